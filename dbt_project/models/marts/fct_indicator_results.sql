-- Grain: measurement year x scope (one association, or riket) x respondent group x question x
-- gender (alla, kvinna, man). A cell exists for every question asked of a group in a year in which
-- the association (or, for riket, anyone) returned at least one questionnaire of that group.
-- Holds true values; is_suppressed marks cells that must not be published (int_results__disclosure).
-- Intervals: Wilson score interval for the share, Student-t interval for the mean (both 95 %).
-- Comparison: with the latest earlier year that has a cell of the same comparability_key in the same
-- scope, association, group and gender; made only when both cells are unsuppressed; significance by
-- the pooled two-proportion z-test on share_positive at the 5 % level.
{%- set z = '1.959963984540054::double' %}
with cells as (
    select * from {{ ref('int_results__disclosure') }}
),

questions as (
    select * from {{ ref('dim_question') }}
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

t_quantiles as (
    select * from {{ ref('int_stats__t_quantiles') }}
),

-- per question: first year of its comparability key, and whether that key replaced an earlier
-- question of the same group and indicator (a changed wording) rather than being a new question
key_first_years as (
    select
        questions.respondent_group,
        questions.comparability_key,
        min(questions.first_year) as key_first_year
    from questions
    group by all
),

key_history as (
    select
        current_question.question_id,
        current_question.comparability_key,
        key_first_years.key_first_year,
        count(earlier.question_id) > 0 as key_replaced_earlier
    from questions as current_question
    inner join key_first_years
        on current_question.respondent_group = key_first_years.respondent_group
        and current_question.comparability_key = key_first_years.comparability_key
    left join questions as earlier
        on earlier.respondent_group = current_question.respondent_group
        and earlier.indicator_number = current_question.indicator_number
        and earlier.comparability_key <> current_question.comparability_key
        and earlier.last_year < key_first_years.key_first_year
    group by all
),

keyed as (
    select
        cells.*,
        key_history.comparability_key,
        key_history.key_first_year,
        key_history.key_replaced_earlier,
        min(cells.measurement_year) over (
            partition by cells.scope, cells.forbund_id, cells.respondent_group, cells.gender
        ) as first_group_year,
        lag(cells.measurement_year) over comparable as previous_year,
        lag(cells.n_answers) over comparable as prev_n_answers,
        lag(cells.n_positive) over comparable as prev_n_positive,
        lag(cells.mean_score) over comparable as prev_mean_score,
        lag(cells.share_positive) over comparable as prev_share_positive,
        lag(cells.is_suppressed) over comparable as prev_is_suppressed
    from cells
    inner join key_history on cells.question_id = key_history.question_id
    window comparable as (
        partition by
            cells.scope, cells.forbund_id, cells.respondent_group, cells.gender,
            key_history.comparability_key
        order by cells.measurement_year
    )
),

compared as (
    select
        *,
        previous_year is not null
        and not is_suppressed
        and not prev_is_suppressed as is_compared,
        case
            when previous_year is null and key_replaced_earlier
                and (measurement_year = key_first_year or first_group_year < key_first_year)
                then 'Jämförelse saknas: frågan ändrades ' || key_first_year
            when previous_year is null and measurement_year = key_first_year
                then 'Jämförelse saknas: frågan ställdes första gången ' || key_first_year
            when previous_year is null
                then 'Jämförelse saknas: inga svar föregående år'
            when is_suppressed
                then 'Jämförelse saknas: för få svar ' || measurement_year
            when prev_n_answers = 0
                then 'Jämförelse saknas: inga svar föregående år'
            when prev_is_suppressed
                then 'Jämförelse saknas: för få svar ' || previous_year
        end as comparison_note,
        -- pooled two-proportion z statistic (null when the pooled share is 0 or 1)
        (share_positive - prev_share_positive) / nullif(sqrt(
            ((n_positive + prev_n_positive) / (n_answers + prev_n_answers)::double)
            * (1 - (n_positive + prev_n_positive) / (n_answers + prev_n_answers)::double)
            * (1 / n_answers::double + 1 / prev_n_answers::double)
        ), 0) as z_two_proportions
    from keyed
),

final as (
    select
        compared.measurement_year,
        compared.scope,
        compared.forbund_id,
        forbund.forbund_name,
        compared.respondent_group,
        compared.indicator_number,
        compared.question_id,
        compared.gender,
        compared.n_respondents,
        compared.n_answers,
        compared.n_dont_know,
        compared.n_positive,
        compared.mean_score,
        compared.sd_score,
        compared.share_positive,
        compared.is_suppressed,
        compared.suppression_reason,
        compared.comparability_key,
        -- Wilson score interval (derived statistics are rounded to 12 decimals so that results
        -- are reproducible to the bit across machines and DuckDB builds)
        round(case when compared.n_answers > 0 then
            (compared.share_positive + {{ z }} ^ 2 / (2 * compared.n_answers)
                - {{ z }} * sqrt(
                    compared.share_positive * (1 - compared.share_positive) / compared.n_answers
                    + {{ z }} ^ 2 / (4 * compared.n_answers ^ 2)))
            / (1 + {{ z }} ^ 2 / compared.n_answers)
        end, 12) as share_ci_low,
        round(case when compared.n_answers > 0 then
            (compared.share_positive + {{ z }} ^ 2 / (2 * compared.n_answers)
                + {{ z }} * sqrt(
                    compared.share_positive * (1 - compared.share_positive) / compared.n_answers
                    + {{ z }} ^ 2 / (4 * compared.n_answers ^ 2)))
            / (1 + {{ z }} ^ 2 / compared.n_answers)
        end, 12) as share_ci_high,
        -- Student-t interval, df = n_answers - 1
        round(case when compared.n_answers >= 2 then
            compared.mean_score - t_quantiles.t_975 * compared.sd_score / sqrt(compared.n_answers)
        end, 12) as mean_ci_low,
        round(case when compared.n_answers >= 2 then
            compared.mean_score + t_quantiles.t_975 * compared.sd_score / sqrt(compared.n_answers)
        end, 12) as mean_ci_high,
        compared.previous_year,
        case when compared.is_compared then compared.prev_n_answers end as previous_n_answers,
        case when compared.is_compared then compared.prev_share_positive end as previous_share_positive,
        case when compared.is_compared then compared.prev_mean_score end as previous_mean_score,
        round(case when compared.is_compared
            then compared.share_positive - compared.prev_share_positive
        end, 12) as share_positive_change,
        round(case when compared.is_compared
            then compared.mean_score - compared.prev_mean_score
        end, 12) as mean_score_change,
        round(case when compared.is_compared then compared.z_two_proportions end, 12)
            as share_change_z,
        case when compared.is_compared
            then coalesce(abs(compared.z_two_proportions) >= {{ z }}, false)
        end as is_change_significant,
        compared.comparison_note
    from compared
    left join forbund on compared.forbund_id = forbund.forbund_id
    left join t_quantiles on t_quantiles.df = compared.n_answers - 1
)

select * from final
