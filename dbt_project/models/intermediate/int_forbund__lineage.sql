-- Which associations' results make up an association's history: itself, and every association
-- that merged into it, directly or through a chain of mergers (forbund_mergers). A member's results
-- belong to the history for measurement years before the member itself merged (member_merged_year).
with recursive
forbund as (
    select forbund_id from {{ ref('forbund') }}
),

mergers as (
    select
        predecessor_id,
        successor_id,
        merged_year
    from {{ ref('forbund_mergers') }}
),

lineage (forbund_id, member_forbund_id, generations_back, member_merged_year) as (
    select
        forbund.forbund_id,
        forbund.forbund_id as member_forbund_id,
        0,
        null::integer
    from forbund
    union all
    select
        lineage.forbund_id,
        mergers.predecessor_id,
        lineage.generations_back + 1,
        mergers.merged_year
    from lineage
    inner join mergers on mergers.successor_id = lineage.member_forbund_id
    where lineage.generations_back < 10
),

final as (
    select
        forbund_id,
        member_forbund_id,
        generations_back::integer as generations_back,
        member_merged_year::integer as member_merged_year
    from lineage
)

select * from final
