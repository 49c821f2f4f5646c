-- One row per questionnaire (current version). Free text is deliberately left out of the marts.
-- A view, as fct_answers is: the rows are int_submissions__deduplicated's, and a second copy of
-- every questionnaire cost each build its write (4.7 s of a one-file run at scale 100) and kept
-- one more copy of each questionnaire for a purge to reach.
{{ config(materialized='view') }}

with submissions as (
    select * from {{ ref('int_submissions__deduplicated') }}
),

final as (
    select
        submission_key,
        svar_id,
        forbund_id,
        respondent_group,
        measurement_year,
        submitted_at,
        gender,
        insats,
        n_versions,
        load_id,
        source_file,
        source_row,
        reported_forbund_id
    from submissions
)

select * from final
