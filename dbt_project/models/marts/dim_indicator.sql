with indicators as (
    select * from {{ ref('indicators') }}
),

final as (
    select
        indicator_number,
        indicator_name,
        short_name,
        theme,
        is_survey_measured,
        note
    from indicators
)

select * from final
