{{ config(materialized='view') }}

-- The outcome of every quality check (GX expectation, dbt data test and dbt unit test) of the
-- latest run that recorded checks, for the Datakvalitet page. A view: the publish step copies it
-- after the last check of its run, so the site shows the checks of the run that published it
-- (a table would need dbt to be started again for one small model).
-- Example rows are not published: they can hold raw answers. Each check is named in Swedish and
-- says what it protects (orchestration/check_names.py, from the codebooks in seeds/check_*_sv.csv);
-- the technical name and run come after, for those who want them.
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

groups as (
    select * from {{ ref('check_groups_sv') }}
),

final as (
    select
        of_the_run.check_name,
        of_the_run.asset_key,
        of_the_run.check_source,
        of_the_run.severity,
        of_the_run.passed,
        of_the_run.unexpected_count,
        of_the_run.checked_at,
        of_the_run.run_id,
        of_the_run.check_name_sv,
        of_the_run.protects_sv,
        of_the_run.table_sv,
        of_the_run.check_group,
        groups.group_sv as check_group_sv,
        groups.sort_order as check_group_order,
        case
            when of_the_run.passed then 'Godkänd'
            when of_the_run.severity = 'warn' then 'Varning'
            else 'Stoppade publiceringen'
        end as outcome_sv,
        of_the_run.check_kind
    from of_the_run
    left join groups on groups.check_group = of_the_run.check_group
    where of_the_run.recency = 1
)

select * from final
