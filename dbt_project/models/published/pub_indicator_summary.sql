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
        {{ unless_suppressed_columns([
            'n_answering_respondents', 'n_answers', 'n_dont_know', 'mean_score', 'sd_score',
            'share_positive', 'share_ci_low', 'share_ci_high', 'mean_ci_low', 'mean_ci_high'
        ], 'summary') }},
        summary.is_suppressed,
        summary.suppression_reason,
        summary.suppression_rule
    from summary
    inner join indicators on summary.indicator_number = indicators.indicator_number
    inner join groups on summary.respondent_group = groups.respondent_group
),

{{ with_forbund_ranks('final', 'int_results__indicator_ranks', 'indicator_number') }}
