-- What the site and downloads read: labels joined in, and no value of a suppressed cell (counts,
-- statistics, intervals, comparisons and tests are all null; keys, labels, the rule and the reason
-- stay).
{%- set values = [
    'n_answers', 'mean_score', 'share_positive',
] %}
{%- set more_values = [
    'n_dont_know', 'sd_score', 'share_ci_low', 'share_ci_high', 'mean_ci_low', 'mean_ci_high',
    'previous_year', 'previous_share_positive', 'previous_mean_score', 'share_positive_change',
    'mean_score_change', 'is_change_significant', 'comparison_note',
] %}
{%- set tests_and_like_for_like = [
    'share_change_p_value', 'mean_change_p_value', 'is_mean_change_significant',
    'like_for_like_n_forbund', 'like_for_like_n_answers', 'like_for_like_previous_n_answers',
    'like_for_like_share_positive', 'like_for_like_previous_share_positive',
    'like_for_like_share_change', 'like_for_like_mean_score', 'like_for_like_previous_mean_score',
    'like_for_like_mean_change', 'like_for_like_share_p_value',
    'like_for_like_is_change_significant', 'like_for_like_mean_p_value',
    'like_for_like_is_mean_change_significant',
] %}
with results as (
    select * from {{ ref('fct_indicator_results') }}
),

questions as (
    select * from {{ ref('dim_question') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

groups as (
    select * from {{ ref('dim_respondent_group') }}
),

final as (
    select
        results.measurement_year,
        results.scope,
        results.forbund_id,
        results.forbund_name,
        results.respondent_group,
        groups.label_sv as respondent_group_label,
        results.indicator_number,
        indicators.indicator_name,
        results.question_id,
        questions.question_text,
        results.gender,
        {{ unless_suppressed_columns(values, 'results') }},
        results.is_suppressed,
        results.suppression_reason,
        results.comparability_key,
        {{ unless_suppressed_columns(more_values, 'results') }},
        results.suppression_rule,
        {{ unless_suppressed_columns(tests_and_like_for_like, 'results') }}
    from results
    inner join questions on results.question_id = questions.question_id
    inner join indicators on results.indicator_number = indicators.indicator_number
    inner join groups on results.respondent_group = groups.respondent_group
),

{{ with_forbund_ranks('final', 'int_results__question_ranks', 'question_id') }}
