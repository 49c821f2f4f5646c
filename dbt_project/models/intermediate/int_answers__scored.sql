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

current_answers as (
    select answers.*
    from answers
    inner join submissions
        on answers.submission_key = submissions.submission_key
        and answers.load_id = submissions.load_id
        and answers.source_row = submissions.source_row
),

final as (
    select
        current_answers.submission_key,
        current_answers.question_id,
        submissions.forbund_id,
        submissions.respondent_group,
        submissions.measurement_year,
        submissions.gender,
        current_answers.answer_value,
        current_answers.is_dont_know,
        current_answers.answer_value is not null as is_substantive,
        coalesce(current_answers.answer_value >= questions.positive_min, false) as is_positive
    from current_answers
    inner join submissions on current_answers.submission_key = submissions.submission_key
    inner join questions on current_answers.question_id = questions.question_id
)

select * from final
