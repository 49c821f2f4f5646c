-- Förbund att lära av (fct_forbund_to_learn_from), with labels.
with learn as (
    select * from {{ ref('fct_forbund_to_learn_from') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

groups as (
    select * from {{ ref('dim_respondent_group') }}
),

final as (
    select
        learn.respondent_group,
        groups.label_sv as respondent_group_label,
        learn.indicator_number,
        indicators.indicator_name,
        indicators.short_name as indicator_short_name,
        learn.* exclude (respondent_group, indicator_number)
    from learn
    inner join indicators on learn.indicator_number = indicators.indicator_number
    inner join groups on learn.respondent_group = groups.respondent_group
)

select * from final
