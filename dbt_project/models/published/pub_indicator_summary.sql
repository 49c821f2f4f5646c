-- Indicator-level results for the site: labels joined in, no value of a suppressed cell.
with summary as (
    select * from {{ ref('fct_indicator_summary') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

groups as (
    select * from {{ ref('dim_respondent_group') }}
),

final as (
    select
        summary.measurement_year,
        summary.scope,
        summary.forbund_id,
        summary.forbund_name,
        summary.respondent_group,
        groups.label_sv as respondent_group_label,
        summary.indicator_number,
        indicators.indicator_name,
        indicators.short_name as indicator_short_name,
        summary.gender,
        summary.n_questions,
        summary.question_ids,
        summary.comparability_keys,
        case when not summary.is_suppressed then summary.n_answering_respondents end
            as n_answering_respondents,
        case when not summary.is_suppressed then summary.n_answers end as n_answers,
        case when not summary.is_suppressed then summary.n_dont_know end as n_dont_know,
        case when not summary.is_suppressed then summary.mean_score end as mean_score,
        case when not summary.is_suppressed then summary.sd_score end as sd_score,
        case when not summary.is_suppressed then summary.share_positive end as share_positive,
        case when not summary.is_suppressed then summary.share_ci_low end as share_ci_low,
        case when not summary.is_suppressed then summary.share_ci_high end as share_ci_high,
        case when not summary.is_suppressed then summary.mean_ci_low end as mean_ci_low,
        case when not summary.is_suppressed then summary.mean_ci_high end as mean_ci_high,
        summary.is_suppressed,
        summary.suppression_reason,
        summary.suppression_rule
    from summary
    inner join indicators on summary.indicator_number = indicators.indicator_number
    inner join groups on summary.respondent_group = groups.respondent_group
),

-- where a published association cell lies among all published association cells of the same
-- year, group, indicator and gender: 1 = the highest share positive (ties share a place)
positioned as (
    select
        *,
        case when scope = 'forbund' and not is_suppressed then rank() over ranking end::integer
            as forbund_rank,
        case when scope = 'forbund' and not is_suppressed then count(*) over ranking end::integer
            as forbund_count
    from final
    window ranking as (
        partition by
            measurement_year, respondent_group, indicator_number, gender,
            scope = 'forbund' and not is_suppressed
        order by share_positive desc
        range between unbounded preceding and unbounded following
    )
),

-- the range of places the uncertainty allows (macros/rank_intervals.sql)
{{ with_rank_range('positioned', 'int_results__indicator_ranks', 'indicator_number') }}
