-- One decision, everywhere: the answer distribution and the association history show a question
-- cell exactly when indicator_results does, with the same rule and reason.
with results as (
    select * from {{ ref('pub_indicator_results') }}
    where scope = 'forbund' or forbund_id is null
),

distribution as (
    select distinct
        measurement_year, scope, forbund_id, respondent_group, question_id, gender,
        is_suppressed, suppression_rule, suppression_reason
    from {{ ref('pub_answer_distribution') }}
),

history as (
    select distinct
        reported_by_forbund_id as forbund_id, measurement_year, respondent_group, question_id,
        gender, is_suppressed, suppression_rule, suppression_reason
    from {{ ref('pub_forbund_history') }}
)

select 'answer_distribution' as published_table, distribution.measurement_year,
    distribution.forbund_id, distribution.question_id, distribution.gender
from distribution
left join results
    on {{ cell_key_matches('results', 'distribution') }}
where results.is_suppressed is distinct from distribution.is_suppressed
    or results.suppression_rule is distinct from distribution.suppression_rule
    or results.suppression_reason is distinct from distribution.suppression_reason
union all
select 'forbund_history', history.measurement_year, history.forbund_id, history.question_id,
    history.gender
from history
left join results
    on results.scope = 'forbund'
    and results.measurement_year = history.measurement_year
    and results.forbund_id = history.forbund_id
    and results.respondent_group = history.respondent_group
    and results.question_id = history.question_id
    and results.gender = history.gender
where results.is_suppressed is distinct from history.is_suppressed
    or results.suppression_rule is distinct from history.suppression_rule
    or results.suppression_reason is distinct from history.suppression_reason
