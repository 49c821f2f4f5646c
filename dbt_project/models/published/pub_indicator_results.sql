-- What the site and downloads read: labels joined in, and no value of a suppressed cell.
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
        results.is_suppressed
    from results
    inner join questions on results.question_id = questions.question_id
    inner join indicators on results.indicator_number = indicators.indicator_number
    inner join groups on results.respondent_group = groups.respondent_group
)

select * from final
