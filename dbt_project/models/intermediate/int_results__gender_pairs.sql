-- One row per question cell (year x scope x association x group x question) whose women's and
-- men's cells are both published: the two side by side, for the difference women - men
-- (int_stats__change_tests tests it, fct_gender_differences publishes it). Only published cells
-- take part, so nothing here says more than the published cells already do.
with cells as (
    select * from {{ ref('int_results__disclosure') }}
    where gender in ('kvinna', 'man') and not is_suppressed
),

final as (
    select
        women.measurement_year,
        women.scope,
        women.forbund_id,
        women.respondent_group,
        women.indicator_number,
        women.question_id,
        women.n_answers as women_n_answers,
        women.n_positive as women_n_positive,
        women.share_positive as women_share_positive,
        women.mean_score as women_mean_score,
        women.sd_score as women_sd_score,
        men.n_answers as men_n_answers,
        men.n_positive as men_n_positive,
        men.share_positive as men_share_positive,
        men.mean_score as men_mean_score,
        men.sd_score as men_sd_score
    from cells as women
    inner join cells as men
        on {{ cell_key_matches('women', 'men', gender=false) }}
    where women.gender = 'kvinna' and men.gender = 'man'
)

select * from final
