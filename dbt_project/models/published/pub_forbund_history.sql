-- An association's results over time including its predecessors' years; no value of a suppressed
-- cell.
with history as (
    select * from {{ ref('fct_forbund_history') }}
),

final as (
    select
        forbund_id,
        forbund_name,
        reported_by_forbund_id,
        reported_by_forbund_name,
        is_predecessor_result,
        measurement_year,
        respondent_group,
        indicator_number,
        question_id,
        comparability_key,
        gender,
        {{ unless_suppressed_columns([
            'n_answers', 'mean_score', 'share_positive', 'share_ci_low', 'share_ci_high',
            'mean_ci_low', 'mean_ci_high'
        ]) }},
        is_suppressed,
        suppression_reason,
        suppression_rule
    from history
)

select * from final
