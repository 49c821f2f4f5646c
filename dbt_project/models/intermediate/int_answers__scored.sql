{{ config(materialized='table') }}

-- Answers of the current version of each questionnaire, scored on the question's scale.
with submissions as (
    select * from {{ ref('int_submissions__deduplicated') }}
),

answers as (
    select * from {{ ref('stg_raw__answers') }}
),

questions as (
    select * from {{ ref('questions') }}
),

final as (
    select
        answers.submission_key,
        answers.question_id,
        submissions.forbund_id,
        submissions.respondent_group,
        submissions.measurement_year,
        submissions.gender,
        answers.answer_value,
        answers.is_dont_know,
        answers.answer_value is not null as is_substantive,
        coalesce(answers.answer_value >= questions.positive_min, false) as is_positive
    from answers
    inner join submissions
        on answers.submission_key = submissions.submission_key
        and answers.load_id = submissions.load_id
        and answers.source_row = submissions.source_row
    inner join questions on answers.question_id = questions.question_id
)

select * from final
