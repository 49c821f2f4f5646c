-- The latest outcome of every quality check (GX expectation or dbt test), for the Datakvalitet
-- page. Example rows are not published: they can hold raw answers.
with results as (
    select * from {{ ref('stg_audit__check_results') }}
),

latest as (
    select
        *,
        row_number() over (
            partition by check_source, asset_key, check_name order by checked_at desc
        ) as recency
    from results
),

final as (
    select
        check_name,
        asset_key,
        check_source,
        severity,
        passed,
        unexpected_count,
        checked_at
    from latest
    where recency = 1
)

select * from final
