-- Every questionnaire counted for another association than its file names is on record: a file's
-- rows_attributed equals its rows in audit.attributed_records, and every current questionnaire
-- with reported_forbund_id <> forbund_id has its row there. Returns what breaks this.
with files as (
    select load_id, rows_attributed from {{ ref('stg_audit__file_loads') }}
),

attributed as (
    select * from {{ ref('stg_audit__attributed_records') }}
),

audited_per_file as (
    select load_id, count(*) as n_audited
    from attributed
    group by load_id
),

miscounted_files as (
    select
        files.load_id,
        null::integer as source_row,
        'rows_attributed ' || files.rows_attributed || ' but '
        || coalesce(audited_per_file.n_audited, 0) || ' rows in audit.attributed_records' as problem
    from files
    left join audited_per_file on files.load_id = audited_per_file.load_id
    where files.rows_attributed <> coalesce(audited_per_file.n_audited, 0)
),

unaudited_submissions as (
    select
        submissions.load_id,
        submissions.source_row,
        'counted for ' || submissions.forbund_id || ' instead of ' || submissions.reported_forbund_id
        || ' without a row in audit.attributed_records' as problem
    from {{ ref('fct_submissions') }} as submissions
    left join attributed
        on submissions.load_id = attributed.load_id
        and submissions.source_row = attributed.source_row
    where submissions.reported_forbund_id <> submissions.forbund_id
        and attributed.load_id is null
)

select * from miscounted_files
union all
select * from unaudited_submissions
