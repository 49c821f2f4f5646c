-- The outcome of every quality check (GX expectation, dbt data test and dbt unit test) of the
-- latest run that recorded checks, for the Datakvalitet page. The publish step rebuilds this model
-- after the last check of its run, so the site shows the checks of the run that published it.
-- Example rows are not published: they can hold raw answers.
with results as (
    select * from {{ ref('stg_audit__check_results') }}
),

latest_run as (
    select run_id
    from results
    where run_id is not null
    order by checked_at desc
    limit 1
),

of_the_run as (
    select
        results.*,
        row_number() over (
            partition by results.check_source, results.asset_key, results.check_name
            order by results.checked_at desc
        ) as recency
    from results
    inner join latest_run on results.run_id = latest_run.run_id
),

final as (
    select
        check_name,
        asset_key,
        check_source,
        severity,
        passed,
        unexpected_count,
        checked_at,
        run_id
    from of_the_run
    where recency = 1
)

select * from final
