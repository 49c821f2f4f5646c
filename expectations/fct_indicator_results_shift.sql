with national as (
    select
        measurement_year,
        respondent_group,
        question_id,
        mean_score,
        n_answers
    from marts.fct_indicator_results
    where scope = 'riket' and gender = 'alla' and n_answers >= 5
)

select
    c.measurement_year,
    c.respondent_group,
    c.question_id,
    p.mean_score as previous_mean,
    c.mean_score,
    c.mean_score - p.mean_score as mean_change
from national as c
join national as p
    on p.question_id = c.question_id
    and p.measurement_year = c.measurement_year - 1
