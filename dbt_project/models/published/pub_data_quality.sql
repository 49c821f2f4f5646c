-- Files and rows per association and measurement year, for the Datakvalitet page. Counts only:
-- the rejected values themselves stay in audit.rejected_records.
with loads as (
    select * from {{ ref('int_file_loads__attributed') }}
    where not is_retried
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

final as (
    select
        loads.forbund_id,
        coalesce(forbund.forbund_name, 'Okänt förbund') as forbund_name,
        loads.measurement_year,
        count(*)::integer as files,
        count(*) filter (where loads.status = 'loaded')::integer as files_loaded,
        count(*) filter (where loads.status = 'rejected')::integer as files_rejected,
        count(*) filter (where loads.status = 'duplicate')::integer as files_duplicate,
        sum(loads.rows_read)::integer as rows_read,
        sum(loads.rows_loaded)::integer as rows_loaded,
        sum(loads.rows_rejected)::integer as rows_rejected,
        sum(loads.rows_duplicate)::integer as rows_duplicate,
        sum(loads.answers_rejected)::integer as answers_rejected,
        sum(loads.rows_attributed)::integer as rows_attributed,
        count(*) filter (where loads.is_withdrawn)::integer as files_withdrawn,
        coalesce(sum(loads.rows_loaded) filter (where loads.is_withdrawn), 0)::integer
            as rows_withdrawn
    from loads
    left join forbund on loads.forbund_id = forbund.forbund_id
    group by all
)

select * from final
