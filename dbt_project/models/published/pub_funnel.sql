-- The funnel plots' points: every published association's share against the national share at
-- its own number of answers, with the control limits and the flag (fct_funnel), and labels.
with funnel as (
    select * from {{ ref('fct_funnel') }}
),

questions as (
    select * from {{ ref('dim_question') }}
),

groups as (
    select * from {{ ref('dim_respondent_group') }}
),

final as (
    select
        funnel.measurement_year,
        funnel.respondent_group,
        groups.label_sv as respondent_group_label,
        funnel.indicator_number,
        funnel.question_id,
        questions.question_text,
        funnel.* exclude (measurement_year, respondent_group, indicator_number, question_id)
    from funnel
    inner join questions on funnel.question_id = questions.question_id
    inner join groups on funnel.respondent_group = groups.respondent_group
)

select * from final
