{{ config(materialized='table') }}

-- One row per response (submission_key: the association as the file names it x survey form x
-- svar_id): the version from the file with the latest modification time wins (then file name, load
-- and row), the same order the loader uses (VERSION_ORDER in orchestration/ingest/versions.py,
-- which this must agree with), so an older file that arrives after its correction
-- does not win. Earlier versions stay in raw.submissions as history. A withdrawn file's
-- questionnaires (`finsam withdraw`) are no one's version while the withdrawal is in force.
with withdrawn_loads as (
    select load_id from {{ ref('stg_audit__withdrawals') }}
    where is_in_force
),

submissions as (
    select * from {{ ref('stg_raw__submissions') }}
    where load_id not in (select withdrawn_loads.load_id from withdrawn_loads)
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
