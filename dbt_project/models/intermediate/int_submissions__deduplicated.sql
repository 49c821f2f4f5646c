{{ config(materialized='table') }}

-- One row per response (submission_key: the association as the file names it x survey form x
-- svar_id): the version from the file with the latest modification time wins (then file name, load
-- and row), the same order the loader uses, so an older file that arrives after its correction
-- does not win. Earlier versions stay in raw.submissions as history.
with submissions as (
    select * from {{ ref('stg_raw__submissions') }}
),

ranked as (
    select
        *,
        count(*) over (partition by submission_key) as n_versions,
        row_number() over (
            partition by submission_key
            order by file_modified_at desc, source_file desc, load_id desc, source_row desc
        ) as version_rank
    from submissions
),

final as (
    select * exclude (version_rank)
    from ranked
    where version_rank = 1
)

select * from final
