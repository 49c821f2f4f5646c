-- For an indicator with a single question in a group, the indicator summary must equal the
-- question result: same counts, share, mean, suppression, and the same t interval for the mean.
with results as (
    select * from {{ ref('fct_indicator_results') }}
),

summary as (
    select * from {{ ref('fct_indicator_summary') }}
    where n_questions = 1
)

select summary.*
from summary
inner join results
    on results.measurement_year = summary.measurement_year
    and results.scope = summary.scope
    and results.forbund_id is not distinct from summary.forbund_id
    and results.respondent_group = summary.respondent_group
    and results.question_id = summary.question_ids
    and results.gender = summary.gender
where results.n_answers <> summary.n_answers
    or results.n_positive <> summary.n_positive
    or results.is_suppressed <> summary.is_suppressed
    or abs(results.share_positive - summary.share_positive) > 1e-9
    or abs(results.mean_score - summary.mean_score) > 1e-9
    or abs(results.mean_ci_low - summary.mean_ci_low) > 1e-9
    or abs(results.mean_ci_high - summary.mean_ci_high) > 1e-9
