with r as (
    select
        *,
        coalesce(forbund_id, '(riket)') as scope_key
    from marts.fct_indicator_results
),

totals as (
    select
        measurement_year,
        scope_key,
        respondent_group,
        question_id,
        max(n_answers) filter (where gender = 'alla') as n_all,
        sum(n_answers) filter (where gender <> 'alla') as n_split
    from r
    group by all
)

select
    r.measurement_year,
    r.scope_key,
    r.respondent_group,
    r.question_id,
    r.gender,
    r.n_answers,
    r.share_positive,
    r.mean_score is null or r.mean_score between q.scale_min and q.scale_max as mean_on_scale,
    t.n_split <= t.n_all as genders_within_total
from r
join (select question_id, scale_min, scale_max from marts.dim_question) as q using (question_id)
join totals as t using (measurement_year, scope_key, respondent_group, question_id)
