{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_years() }}"
) }}

-- Answers of the current version of each questionnaire, scored on the question's scale. Built by
-- measurement year: a run rebuilds only the years whose questionnaires changed
-- (macros/incremental_by_year.sql).
with submissions as (
    select * from {{ ref('int_submissions__deduplicated') }}
    where measurement_year in ({{ years_to_build() }})
),

year_versions as (
    select * from {{ ref('int_submissions__year_versions') }}
),

-- only the files of the years being built: no key is formed for the other years' answers
answers as (
    select * from {{ ref('stg_raw__answers') }}
    where load_id in (select submissions.load_id from submissions)
),

questions as (
    select * from {{ ref('questions') }}
),

final as (
    select
        submissions.submission_key,
        answers.question_id,
        submissions.forbund_id,
        submissions.respondent_group,
        submissions.measurement_year,
        submissions.gender,
        answers.answer_value,
        answers.is_dont_know,
        answers.answer_value is not null as is_substantive,
        coalesce(answers.answer_value >= questions.positive_min, false) as is_positive,
        year_versions.year_version,
        submissions.load_id,
        submissions.source_row
    -- a questionnaire's row in its file (load_id, source_row) is the version: its answers are
    -- those of that row, with the same key; joining on the key's text as well cost a string per
    -- answer
    from answers
    inner join submissions
        on answers.load_id = submissions.load_id
        and answers.source_row = submissions.source_row
    inner join questions on answers.question_id = questions.question_id
    inner join year_versions on submissions.measurement_year = year_versions.measurement_year
)

select * from final
