-- Grain: history association (forbund_id) x measurement year x respondent group x question x gender
-- x reporting association. An association's history is its own results plus, for the years before
-- each merger, the results of the associations that merged into it (directly or in a chain).
-- Results stay with the association that collected them: a predecessor's row keeps its own numbers
-- and is marked is_predecessor_result, with reported_by_forbund_id naming the collector. No rows
-- are pooled across associations.
with results as (
    select * from {{ ref('fct_indicator_results') }}
    where scope = 'forbund'
),

lineage as (
    select * from {{ ref('int_forbund__lineage') }}
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

final as (
    select
        lineage.forbund_id,
        history_owner.forbund_name,
        results.forbund_id as reported_by_forbund_id,
        results.forbund_name as reported_by_forbund_name,
        lineage.generations_back > 0 as is_predecessor_result,
        results.measurement_year,
        results.respondent_group,
        results.indicator_number,
        results.question_id,
        results.comparability_key,
        results.gender,
        results.n_respondents,
        results.n_answers,
        results.n_dont_know,
        results.n_positive,
        results.mean_score,
        results.sd_score,
        results.share_positive,
        results.share_ci_low,
        results.share_ci_high,
        results.mean_ci_low,
        results.mean_ci_high,
        results.is_suppressed,
        results.suppression_reason,
        results.suppression_rule
    from lineage
    inner join results
        on lineage.member_forbund_id = results.forbund_id
        and (
            lineage.member_merged_year is null
            or results.measurement_year < lineage.member_merged_year
        )
    inner join forbund as history_owner on lineage.forbund_id = history_owner.forbund_id
)

select * from final
