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
        case when not is_suppressed then n_answers end as n_answers,
        case when not is_suppressed then mean_score end as mean_score,
        case when not is_suppressed then share_positive end as share_positive,
        case when not is_suppressed then share_ci_low end as share_ci_low,
        case when not is_suppressed then share_ci_high end as share_ci_high,
        case when not is_suppressed then mean_ci_low end as mean_ci_low,
        case when not is_suppressed then mean_ci_high end as mean_ci_high,
        is_suppressed,
        suppression_reason,
        suppression_rule
    from history
)

select * from final
