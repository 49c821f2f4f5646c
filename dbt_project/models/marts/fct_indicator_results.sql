-- Grain: measurement year x scope (one association, or riket) x respondent group x question x
-- gender (alla, kvinna, man). A cell exists for every question asked of a group in a year in which
-- the association (or, for riket, anyone) returned at least one questionnaire of that group.
-- Holds true values; is_suppressed marks cells that must not be published, by the rules of
-- macros/disclosure.sql applied in int_results__disclosure (one verdict for every published table).
-- Intervals: Wilson score interval for the share, Student-t interval for the mean (both 95 %).
-- Comparison (int_results__compared): with the latest earlier year that has a cell of the same
-- comparability_key in the same scope, association, group and gender; made only when both cells
-- are published; tested by Fisher's exact test (share) and Welch's t-test (mean) at the 5 % level
-- (int_stats__change_tests). National cells also carry the like-for-like change among the
-- associations published in both years (int_results__like_for_like).
with compared as (
    select * from {{ ref('int_results__compared') }}
),

tests as (
    select * from {{ ref('int_stats__change_tests') }}
),

-- national only: the scope is a column to join on (a condition on the cells' side alone, in a
-- left join's ON, made DuckDB plan a nested loop)
like_for_like as (
    select
        *,
        'riket' as scope
    from {{ ref('int_results__like_for_like') }}
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

t_quantiles as (
    select * from {{ ref('int_stats__t_quantiles') }}
),

final as (
    select
        compared.measurement_year,
        compared.scope,
        compared.forbund_id,
        forbund.forbund_name,
        compared.respondent_group,
        compared.indicator_number,
        compared.question_id,
        compared.gender,
        compared.n_respondents,
        compared.n_answers,
        compared.n_dont_know,
        compared.n_positive,
        compared.mean_score,
        compared.sd_score,
        compared.share_positive,
        compared.is_suppressed,
        compared.suppression_reason,
        compared.comparability_key,
        {{ stable(wilson_bound('compared.share_positive', 'compared.n_answers', 'low')) }}
            as share_ci_low,
        {{ stable(wilson_bound('compared.share_positive', 'compared.n_answers', 'high')) }}
            as share_ci_high,
        -- Student-t interval, df = n_answers - 1
        {%- set t = t_975_beyond_table('t_quantiles.t_975', 'compared.n_answers - 1') %}
        {{ stable('case when compared.n_answers >= 2 then compared.mean_score
            - ' ~ t ~ ' * compared.sd_score / sqrt(compared.n_answers) end') }}
            as mean_ci_low,
        {{ stable('case when compared.n_answers >= 2 then compared.mean_score
            + ' ~ t ~ ' * compared.sd_score / sqrt(compared.n_answers) end') }}
            as mean_ci_high,
        compared.previous_year,
        case when compared.is_compared then compared.prev_n_answers end as previous_n_answers,
        case when compared.is_compared then compared.prev_share_positive end
            as previous_share_positive,
        case when compared.is_compared then compared.prev_mean_score end as previous_mean_score,
        {{ stable('case when compared.is_compared
            then compared.share_positive - compared.prev_share_positive end') }}
            as share_positive_change,
        {{ stable('case when compared.is_compared
            then compared.mean_score - compared.prev_mean_score end') }}
            as mean_score_change,
        {{ stable('case when compared.is_compared then compared.z_two_proportions end') }}
            as share_change_z,
        case
            when compared.is_compared then year_tests.share_p_value < {{ significance_level() }}
        end as is_change_significant,
        compared.comparison_note,
        compared.suppression_rule,
        year_tests.share_p_value as share_change_p_value,
        year_tests.mean_p_value as mean_change_p_value,
        case
            when compared.is_compared then year_tests.mean_p_value < {{ significance_level() }}
        end as is_mean_change_significant,
        like_for_like.n_forbund as like_for_like_n_forbund,
        like_for_like.n_answers as like_for_like_n_answers,
        like_for_like.prev_n_answers as like_for_like_previous_n_answers,
        like_for_like.share_positive as like_for_like_share_positive,
        like_for_like.prev_share_positive as like_for_like_previous_share_positive,
        {{ stable('like_for_like.share_positive - like_for_like.prev_share_positive') }}
            as like_for_like_share_change,
        like_for_like.mean_score as like_for_like_mean_score,
        like_for_like.prev_mean_score as like_for_like_previous_mean_score,
        {{ stable('like_for_like.mean_score - like_for_like.prev_mean_score') }}
            as like_for_like_mean_change,
        like_for_like_tests.share_p_value as like_for_like_share_p_value,
        like_for_like_tests.share_p_value < {{ significance_level() }}
            as like_for_like_is_change_significant,
        like_for_like_tests.mean_p_value as like_for_like_mean_p_value,
        like_for_like_tests.mean_p_value < {{ significance_level() }}
            as like_for_like_is_mean_change_significant
    from compared
    left join forbund on compared.forbund_id = forbund.forbund_id
    left join t_quantiles on t_quantiles.df = compared.n_answers - 1
    left join tests as year_tests
        on year_tests.comparison = 'previous_year'
        and {{ cell_key_matches('year_tests', 'compared') }}
    left join like_for_like
        on like_for_like.scope = compared.scope
        and like_for_like.measurement_year = compared.measurement_year
        and like_for_like.respondent_group = compared.respondent_group
        and like_for_like.question_id = compared.question_id
        and like_for_like.gender = compared.gender
    left join tests as like_for_like_tests
        on like_for_like_tests.comparison = 'like_for_like'
        and like_for_like_tests.scope = compared.scope  -- 'riket': the test is national only
        and like_for_like_tests.measurement_year = compared.measurement_year
        and like_for_like_tests.respondent_group = compared.respondent_group
        and like_for_like_tests.question_id = compared.question_id
        and like_for_like_tests.gender = compared.gender
)

select * from final
