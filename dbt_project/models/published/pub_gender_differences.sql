-- The difference women - men of every cell whose two are published, with labels
-- (fct_gender_differences). No row for a cell whose women's or men's result is hidden.
with differences as (
    select * from {{ ref('fct_gender_differences') }}
),

questions as (
    select * from {{ ref('dim_question') }}
),

groups as (
    select * from {{ ref('dim_respondent_group') }}
),

final as (
    select
        differences.measurement_year,
        differences.scope,
        differences.forbund_id,
        differences.forbund_name,
        differences.respondent_group,
        groups.label_sv as respondent_group_label,
        differences.indicator_number,
        differences.question_id,
        questions.question_text,
        differences.* exclude (
            measurement_year, scope, forbund_id, forbund_name, respondent_group,
            indicator_number, question_id
        )
    from differences
    inner join questions on differences.question_id = questions.question_id
    inner join groups on differences.respondent_group = groups.respondent_group
)

select * from final
