-- Grain: measurement year x scope x respondent group x indicator x gender (alla, kvinna, man).
-- An indicator's result for one group pools the substantive answers to all of the indicator's
-- questions asked of that group in that year:
--   share_positive = sum of positive answers / sum of substantive answers
--                  (= the mean of the question shares weighted by their numbers of answers)
--   mean_score     = sum of answer values / sum of substantive answers
-- Intervals treat the respondent as the sampling unit (a respondent answers several questions):
-- ratio estimator R = sum(y_i) / sum(m_i) over answering respondents i, linearised variance
--   var(R) = k / (k - 1) * sum((y_i - R * m_i)^2) / (sum(m_i))^2,   k = answering respondents.
-- Mean: R -/+ t(0.975; k - 1) * sqrt(var(R)). Share: the Wilson score interval with the
-- effective sample size n_eff = p (1 - p) / var(R), kept between k and the number of answers and
-- equal to k when p is 0 or 1, so that the interval never collapses to a point.
-- Disclosure control (macros/disclosure.sql): suppressed when fewer than var('min_answers') pooled
-- answers (threshold), or when any of its question cells with answers is hidden (otherwise that
-- cell could be derived as the summary minus the other questions; the reason is then the gender
-- rule when that cell's was, else secondary); and kvinna and man are hidden together.
with cells as (
    select * exclude (year_version) from {{ ref('int_results__indicator_cells') }}
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
            question_cells.is_suppressed
            and coalesce(question_cells.n_answers, 0) + coalesce(question_cells.n_dont_know, 0) > 0
        ), false) as has_hidden_question,
        coalesce(bool_or(
            question_cells.suppression_rule = 'gender_complement'
            and coalesce(question_cells.n_answers, 0) + coalesce(question_cells.n_dont_know, 0) > 0
        ), false) as has_gender_blocked_question
    from question_cells
    group by all
),

own_verdict as (
    select
        cells.*,
        case
            when {{ is_below_threshold('cells.n_answers') }} then 'threshold'
            when components.has_gender_blocked_question then 'gender_complement'
            when components.has_hidden_question then 'secondary'
        end as own_rule
    from cells
    inner join components
        on {{ cell_key_matches('cells', 'components', 'indicator_number') }}
),

splits as (
    {{ gender_splits(
        'own_verdict', 'indicator_number',
        extra="bool_or(gender in ('kvinna', 'man') and own_rule is not null) as has_hidden_gender"
    ) }}
),

flagged as (
    select
        own_verdict.*,
        coalesce(
            own_verdict.own_rule,
            case
                when own_verdict.gender in ('kvinna', 'man')
                    and (
                        splits.has_hidden_gender
                        or {{ is_gender_split_blocked(
                            'splits.alla', 'splits.kvinna', 'splits.man') }}
                    )
                    then 'gender_complement'
            end
        ) as suppression_rule,
        greatest(own_verdict.n_answering_respondents - 1, 0) as df
    from own_verdict
    inner join splits
        on {{ cell_key_matches('own_verdict', 'splits', 'indicator_number', gender=false) }}
),

estimates as (
    select
        *,
        n_positive / nullif(n_answers, 0)::double as share_positive,
        sum_score / nullif(n_answers, 0) as mean_score,
        -- the pooled answers' sums are whole numbers (sums of integer answers, kept as double)
        {{ sample_sd('n_answers', 'sum_score', 'sum_score_squares') }} as sd_score
    from flagged
),

variances as (
    select
        *,
        case
            when n_answering_respondents >= 2
                then n_answering_respondents / (n_answering_respondents - 1)::double
                * greatest(
                    sum_p_sq - 2 * share_positive * sum_p_m + share_positive ^ 2 * sum_m_sq, 0
                )
                / n_answers ^ 2
        end as var_share,
        case
            when n_answering_respondents >= 2
                then n_answering_respondents / (n_answering_respondents - 1)::double
                * greatest(
                    sum_s_sq - 2 * mean_score * sum_s_m + mean_score ^ 2 * sum_m_sq, 0
                )
                / n_answers ^ 2
        end as var_mean
    from estimates
),

-- effective sample size of the share for its Wilson interval: n_eff = p (1 - p) / var(R), at
-- least k (every respondent's answers perfectly alike) and at most n (answers independent); k
-- when p is 0 or 1, where var(R) is 0
effective as (
    select
        *,
        case
            when n_answers = 0 then null
            when share_positive > 0 and share_positive < 1 and var_share > 0
                then least(
                    greatest(
                        share_positive * (1 - share_positive) / var_share, n_answering_respondents
                    ),
                    n_answers
                )
            else n_answering_respondents
        end::double as n_effective
    from variances
),

final as (
    select
        effective.measurement_year,
        effective.scope,
        effective.forbund_id,
        forbund.forbund_name,
        effective.respondent_group,
        effective.indicator_number,
        effective.gender,
        effective.n_questions,
        effective.question_ids,
        effective.comparability_keys,
        effective.n_respondents,
        effective.n_answering_respondents,
        effective.n_answers,
        effective.n_dont_know,
        effective.n_positive,
        effective.mean_score,
        {{ stable('effective.sd_score') }} as sd_score,
        effective.share_positive,
        {{ stable(wilson_bound('effective.share_positive', 'effective.n_effective', 'low')) }}
            as share_ci_low,
        {{ stable(wilson_bound('effective.share_positive', 'effective.n_effective', 'high')) }}
            as share_ci_high,
        {%- set t = t_975_beyond_table('t_quantiles.t_975', 'effective.df') %}
        {{ stable('effective.mean_score - ' ~ t ~ ' * sqrt(effective.var_mean)') }}
            as mean_ci_low,
        {{ stable('effective.mean_score + ' ~ t ~ ' * sqrt(effective.var_mean)') }}
            as mean_ci_high,
        effective.suppression_rule is not null as is_suppressed,
        {{ suppression_reason('effective.suppression_rule') }} as suppression_reason,
        effective.suppression_rule,
        {{ stable('effective.n_effective') }} as n_effective
    from effective
    left join forbund on effective.forbund_id = forbund.forbund_id
    left join t_quantiles on t_quantiles.df = effective.df
)

select * from final
