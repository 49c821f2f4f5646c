with questions as (
    select * from {{ ref('questions') }}
),

final as (
    select
        question_id,
        respondent_group,
        indicator_number,
        question_text,
        first_year,
        last_year,
        comparability_key,
        scale_min,
        scale_max,
        positive_min,
        dont_know_label,
        illustrative,
        sort_order
    from questions
)

select * from final
