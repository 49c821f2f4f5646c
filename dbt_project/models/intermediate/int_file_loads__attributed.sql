-- Each file load attributed to an association and a measurement year, for the quality page:
-- the association is the first one the file names, the year the one most of its loaded rows
-- belong to. Rejected and duplicate files have no loaded rows and so no year.
with loads as (
    select * from {{ ref('stg_audit__file_loads') }}
),

submissions as (
    select * from {{ ref('stg_raw__submissions') }}
),

years as (
    select
        load_id,
        mode(measurement_year) as measurement_year
    from submissions
    group by load_id
),

final as (
    select
        loads.*,
        nullif(split_part(loads.forbund_ids, ',', 1), '') as forbund_id,
        years.measurement_year
    from loads
    left join years on loads.load_id = years.load_id
)

select * from final
