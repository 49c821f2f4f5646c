-- Grain: measurement year x scope x respondent group x indicator x gender (alla, kvinna, man).
-- An indicator's result for one group pools the substantive answers to all of the indicator's
-- questions asked of that group in that year:
--   share_positive = sum of positive answers / sum of substantive answers
--                  (= the mean of the question shares weighted by their numbers of answers)
--   mean_score     = sum of answer values / sum of substantive answers
-- Intervals treat the respondent as the sampling unit (a respondent answers several questions):
-- ratio estimator R = sum(y_i) / sum(m_i) over answering respondents i, linearised variance
--   var(R) = k / (k - 1) * sum((y_i - R * m_i)^2) / (sum(m_i))^2,   k = answering respondents,
-- and R -/+ t(0.975; k - 1) * sqrt(var(R)); the share interval is clipped to 0..1.
-- Disclosure control: suppressed when fewer than var('min_answers') pooled answers, or when a
-- question cell it pools is suppressed with at least one answer (otherwise that question could be
-- derived by subtraction), and the gender-complement rule is applied again at indicator level.
{%- set min_answers = var('min_answers') %}
{%- set check_remainder = var('suppress_small_gender_remainder', true) %}
with cells as (
    select * from {{ ref('int_results__indicator_cells') }}
),

question_cells as (
    select * from {{ ref('int_results__disclosure') }}
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

t_quantiles as (
    select * from {{ ref('int_stats__t_quantiles') }}
),

components as (
    select
        question_cells.measurement_year,
        question_cells.scope,
        question_cells.forbund_id,
        question_cells.respondent_group,
        question_cells.indicator_number,
        question_cells.gender,
        coalesce(bool_or(
            question_cells.suppression_rule = 'threshold' and question_cells.n_answers > 0
        ), false) as has_small_question,
        coalesce(bool_or(question_cells.suppression_rule = 'gender_complement'), false)
            as has_blocked_question
    from question_cells
    group by all
),

own_verdict as (
    select
        cells.*,
        cells.n_answers < {{ min_answers }} or components.has_small_question as is_below_threshold,
        components.has_blocked_question
    from cells
    inner join components
        on cells.measurement_year = components.measurement_year
        and cells.scope = components.scope
        and cells.forbund_id is not distinct from components.forbund_id
        and cells.respondent_group = components.respondent_group
        and cells.indicator_number = components.indicator_number
        and cells.gender = components.gender
),

split_verdict as (
    select
        measurement_year,
        scope,
        forbund_id,
        respondent_group,
        indicator_number,
        bool_or(gender in ('kvinna', 'man') and (is_below_threshold or has_blocked_question))
        {%- if check_remainder %}
        or (
            coalesce(max(n_answers) filter (where gender = 'alla'), 0)
            - coalesce(sum(n_answers) filter (where gender in ('kvinna', 'man')), 0)
        ) between 1 and {{ min_answers - 1 }}
        {%- endif %}
            as is_split_blocked
    from own_verdict
    group by all
),

flagged as (
    select
        own_verdict.*,
        own_verdict.gender in ('kvinna', 'man') and split_verdict.is_split_blocked
            as is_split_blocked,
        greatest(own_verdict.n_answering_respondents - 1, 0) as df
    from own_verdict
    inner join split_verdict
        on own_verdict.measurement_year = split_verdict.measurement_year
        and own_verdict.scope = split_verdict.scope
        and own_verdict.forbund_id is not distinct from split_verdict.forbund_id
        and own_verdict.respondent_group = split_verdict.respondent_group
        and own_verdict.indicator_number = split_verdict.indicator_number
),

estimates as (
    select
        *,
        n_positive / nullif(n_answers, 0)::double as share_positive,
        sum_score / nullif(n_answers, 0) as mean_score,
        sqrt(greatest(
            (sum_score_squares - sum_score ^ 2 / nullif(n_answers, 0)) / nullif(n_answers - 1, 0), 0
        )) as sd_score
    from flagged
),

variances as (
    select
        *,
        case when n_answering_respondents >= 2 then
            n_answering_respondents / (n_answering_respondents - 1)::double
            * greatest(sum_p_sq - 2 * share_positive * sum_p_m + share_positive ^ 2 * sum_m_sq, 0)
            / n_answers ^ 2
        end as var_share,
        case when n_answering_respondents >= 2 then
            n_answering_respondents / (n_answering_respondents - 1)::double
            * greatest(sum_s_sq - 2 * mean_score * sum_s_m + mean_score ^ 2 * sum_m_sq, 0)
            / n_answers ^ 2
        end as var_mean
    from estimates
),

final as (
    select
        variances.measurement_year,
        variances.scope,
        variances.forbund_id,
        forbund.forbund_name,
        variances.respondent_group,
        variances.indicator_number,
        variances.gender,
        variances.n_questions,
        variances.question_ids,
        variances.comparability_keys,
        variances.n_respondents,
        variances.n_answering_respondents,
        variances.n_answers,
        variances.n_dont_know,
        variances.n_positive,
        variances.mean_score,
        round(variances.sd_score, 12) as sd_score,
        variances.share_positive,
        -- derived statistics rounded to 12 decimals: reproducible to the bit across machines
        round(greatest(
            variances.share_positive - t_quantiles.t_975 * sqrt(variances.var_share), 0
        ), 12) as share_ci_low,
        round(least(
            variances.share_positive + t_quantiles.t_975 * sqrt(variances.var_share), 1
        ), 12) as share_ci_high,
        round(variances.mean_score - t_quantiles.t_975 * sqrt(variances.var_mean), 12)
            as mean_ci_low,
        round(variances.mean_score + t_quantiles.t_975 * sqrt(variances.var_mean), 12)
            as mean_ci_high,
        variances.is_below_threshold or variances.is_split_blocked as is_suppressed,
        case
            when variances.is_below_threshold
                then 'Alltför få svar inkomna för att kunna redovisas'
            when variances.is_split_blocked
                then 'Redovisas inte: en uppdelning på kvinnor och män skulle röja en grupp med alltför få svar'
        end as suppression_reason
    from variances
    left join forbund on variances.forbund_id = forbund.forbund_id
    left join t_quantiles on t_quantiles.df = variances.df
)

select * from final
