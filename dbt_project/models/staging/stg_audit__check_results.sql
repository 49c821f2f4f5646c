with source as (
    select * from {{ source('audit', 'check_results') }}
)

select
    run_id,
    check_name,
    asset_key,
    source as check_source,
    severity,
    passed,
    observed_value,
    unexpected_count,
    checked_at,
    check_kind,
    check_group,
    check_name_sv,
    protects_sv,
    table_sv
from source
