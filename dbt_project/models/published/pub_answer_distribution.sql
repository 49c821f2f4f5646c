-- Answer distributions for charts: counts and shares are null in suppressed cells.
with distribution as (
    select * from {{ ref('fct_answer_distribution') }}
),

final as (
    select
        measurement_year,
        scope,
        forbund_id,
        forbund_name,
        respondent_group,
        indicator_number,
        question_id,
        gender,
        answer_value,
        answer_label,
        is_dont_know,
        is_positive,
        option_order,
        {{ unless_suppressed_columns([
            'n_answers', 'share_of_substantive', 'share_of_all_answers'
        ]) }},
        is_suppressed,
        suppression_reason,
        suppression_rule
    from distribution
)

select * from final
