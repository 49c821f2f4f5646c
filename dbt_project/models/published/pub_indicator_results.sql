-- What the site and downloads read: labels joined in, and no value of a suppressed cell (counts,
-- statistics, intervals and the comparison are all null; keys, labels and the reason stay).
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
        case when not results.is_suppressed then results.n_answers end as n_answers,
        case when not results.is_suppressed then results.mean_score end as mean_score,
        case when not results.is_suppressed then results.share_positive end as share_positive,
        results.is_suppressed,
        results.suppression_reason,
        results.comparability_key,
        case when not results.is_suppressed then results.n_dont_know end as n_dont_know,
        case when not results.is_suppressed then results.sd_score end as sd_score,
        case when not results.is_suppressed then results.share_ci_low end as share_ci_low,
        case when not results.is_suppressed then results.share_ci_high end as share_ci_high,
        case when not results.is_suppressed then results.mean_ci_low end as mean_ci_low,
        case when not results.is_suppressed then results.mean_ci_high end as mean_ci_high,
        case when not results.is_suppressed then results.previous_year end as previous_year,
        case when not results.is_suppressed
            then results.previous_share_positive end as previous_share_positive,
        case when not results.is_suppressed
            then results.previous_mean_score end as previous_mean_score,
        case when not results.is_suppressed
            then results.share_positive_change end as share_positive_change,
        case when not results.is_suppressed
            then results.mean_score_change end as mean_score_change,
        case when not results.is_suppressed
            then results.is_change_significant end as is_change_significant,
        case when not results.is_suppressed
            then results.comparison_note end as comparison_note
    from results
    inner join questions on results.question_id = questions.question_id
    inner join indicators on results.indicator_number = indicators.indicator_number
    inner join groups on results.respondent_group = groups.respondent_group
)

select * from final
