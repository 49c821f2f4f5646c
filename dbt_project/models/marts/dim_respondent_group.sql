with groups as (
    select * from {{ ref('respondent_groups') }}
),

final as (
    select
        respondent_group,
        label_sv,
        is_participant,
        first_year,
        sort_order
    from groups
)

select * from final
