-- A view: the rows are int_answers__scored's, a table that is built by year, and a second copy of
-- every answer would double the largest table and its build time.
{{ config(materialized='view') }}

with answers as (
    select * from {{ ref('int_answers__scored') }}
),

final as (
    select
        submission_key,
        question_id,
        forbund_id,
        respondent_group,
        measurement_year,
        gender,
        answer_value,
        is_dont_know,
        is_substantive,
        is_positive
    from answers
)

select * from final
