-- Each file load attributed to an association and a measurement year, for the quality page:
-- the association is the first one the file names, the year the one most of its loaded rows
-- belong to (a tie goes to the earlier year, whatever order the rows are stored in, so reloading a
-- year changes nothing). Rejected and duplicate files have no loaded rows and so no year.
-- is_withdrawn: the file was withdrawn (`finsam withdraw`) and that stands.
with loads as (
    select * from {{ ref('stg_audit__file_loads') }}
),

submissions as (
    select * from {{ ref('stg_raw__submissions') }}
),

withdrawals as (
    select * from {{ ref('stg_audit__withdrawals') }}
    where is_in_force
),

year_rows as (
    select
        load_id,
        measurement_year,
        count(*) as n_rows
    from submissions
    group by load_id, measurement_year
),

years as (
    select
        load_id,
        measurement_year
    from year_rows
    qualify row_number() over (partition by load_id order by n_rows desc, measurement_year asc) = 1
),

final as (
    select
        loads.*,
        nullif(split_part(loads.forbund_ids, ',', 1), '') as forbund_id,
        years.measurement_year,
        withdrawals.load_id is not null as is_withdrawn
    from loads
    left join years on loads.load_id = years.load_id
    left join withdrawals on loads.load_id = withdrawals.load_id
)

select * from final
