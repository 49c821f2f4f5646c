with forbund as (
    select * from {{ ref('forbund') }}
),

aliases as (
    select
        forbund_id,
        string_agg(alias, ' | ' order by alias) as aliases
    from {{ ref('forbund_aliases') }}
    group by forbund_id
),

mergers as (
    select * from {{ ref('forbund_mergers') }}
),

final as (
    select
        forbund.forbund_id,
        forbund.forbund_name,
        forbund.county,
        forbund.founded_year,
        forbund.dissolved_year,
        forbund.dissolved_year is null as is_active,
        forbund.in_2024_report,
        aliases.aliases,
        mergers.successor_id,
        successor.forbund_name as successor_name,
        mergers.merged_year
    from forbund
    left join aliases on forbund.forbund_id = aliases.forbund_id
    left join mergers on forbund.forbund_id = mergers.predecessor_id
    left join forbund as successor on mergers.successor_id = successor.forbund_id
)

select * from final
