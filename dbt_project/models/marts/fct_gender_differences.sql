-- Grain: measurement year x scope (riket or one association) x respondent group x question, for
-- every cell whose women's and men's results are both published. The difference women - men:
--   share: Newcombe's hybrid score interval (his method 10, from the two Wilson intervals) and
--          Fisher's exact test;
--   mean:  Welch's interval (t with Welch-Satterthwaite degrees of freedom) and Welch's t-test;
-- both two-sided at var('significance_level') (5 %). Built only from published cells
-- (int_results__gender_pairs), so it tells a reader nothing the two cells do not.
with pairs as (
    select * from {{ ref('int_results__gender_pairs') }}
),

tests as (
    select * from {{ ref('int_stats__change_tests') }}
    where comparison = 'women_men'
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

final as (
    select
        pairs.measurement_year,
        pairs.scope,
        pairs.forbund_id,
        forbund.forbund_name,
        pairs.respondent_group,
        pairs.indicator_number,
        pairs.question_id,
        pairs.women_n_answers,
        pairs.men_n_answers,
        pairs.women_share_positive,
        pairs.men_share_positive,
        {{ stable('pairs.women_share_positive - pairs.men_share_positive') }}
            as share_difference,
        {{ stable(newcombe_bound('pairs.women_share_positive', 'pairs.women_n_answers',
            'pairs.men_share_positive', 'pairs.men_n_answers', 'low')) }}
            as share_difference_ci_low,
        {{ stable(newcombe_bound('pairs.women_share_positive', 'pairs.women_n_answers',
            'pairs.men_share_positive', 'pairs.men_n_answers', 'high')) }}
            as share_difference_ci_high,
        tests.share_p_value,
        tests.share_p_value < {{ significance_level() }} as is_share_difference_significant,
        pairs.women_mean_score,
        pairs.men_mean_score,
        {{ stable('pairs.women_mean_score - pairs.men_mean_score') }} as mean_difference,
        {{ stable('pairs.women_mean_score - pairs.men_mean_score
            - tests.mean_difference_half_width') }} as mean_difference_ci_low,
        {{ stable('pairs.women_mean_score - pairs.men_mean_score
            + tests.mean_difference_half_width') }} as mean_difference_ci_high,
        tests.mean_p_value,
        tests.mean_p_value < {{ significance_level() }} as is_mean_difference_significant
    from pairs
    inner join tests
        on {{ cell_key_matches('pairs', 'tests', gender=false) }}
    left join forbund on pairs.forbund_id = forbund.forbund_id
)

select * from final
