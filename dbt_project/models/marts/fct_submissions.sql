-- One row per questionnaire (current version). Free text is deliberately left out of the marts.
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
