with source as (
    select * from {{ source('raw', 'submissions') }}
),

-- A response is identified by the association its file names (reported_forbund_id), not the one it
-- counts for: a merged association's svar_id never meets its successor's own.
renamed as (
    select
        reported_forbund_id || '|' || respondent_group || '|' || svar_id as submission_key,
        load_id,
        source_file,
        file_modified_at,
        source_sha256,
        source_row,
        forbund_id,
        reported_forbund_id,
        respondent_group,
        svar_id,
        submitted_at,
        measurement_year::integer as measurement_year,
        gender,
        insats,
        fritext,
        row_hash,
        loaded_at
    from source
)

select * from renamed
