-- Who took part: associations and questionnaires per measurement year and survey form, and per
-- year over all forms (respondent_group 'alla' with the label "Alla enkäter"), for the overview.
-- Counts of questionnaires are published as they are (docs/marts.md, "Counts of questionnaires").
with submissions as (
    select * from {{ ref('fct_submissions') }}
),

groups as (
    select * from {{ ref('dim_respondent_group') }}
),

per_group as (
    select
        measurement_year,
        respondent_group,
        count(distinct forbund_id)::integer as n_forbund,
        count(*)::integer as n_submissions
    from submissions
    group by all
),

per_year as (
    select
        measurement_year,
        'alla' as respondent_group,
        count(distinct forbund_id)::integer as n_forbund,
        count(*)::integer as n_submissions
    from submissions
    group by all
),

final as (
    select
        counts.measurement_year,
        counts.respondent_group,
        coalesce(groups.label_sv, 'Alla enkäter') as respondent_group_label,
        coalesce(groups.sort_order, 0)::integer as sort_order,
        counts.n_forbund,
        counts.n_submissions
    from (
        select * from per_group
        union all
        select * from per_year
    ) as counts
    left join groups on counts.respondent_group = groups.respondent_group
)

select * from final
