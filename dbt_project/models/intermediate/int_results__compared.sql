{{ config(materialized='table') }}

-- Every question cell beside the previous comparable cell: the latest earlier year with a cell of
-- the same comparability_key in the same scope, association, group and gender (not necessarily
-- the year before: associations do not take part every year). The comparison is made only when
-- both cells are published; comparison_note says why when it is not. The tests of the change are
-- in int_stats__change_tests.
with cells as (
    select * from {{ ref('int_results__disclosure') }}
),

questions as (
    select * from {{ ref('dim_question') }}
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
        lag(cells.sd_score) over comparable as prev_sd_score,
        lag(cells.share_positive) over comparable as prev_share_positive,
        lag(cells.is_suppressed) over comparable as prev_is_suppressed,
        lag(cells.suppression_rule) over comparable as prev_suppression_rule
    from cells
    inner join key_history on cells.question_id = key_history.question_id
    window comparable as (
        partition by
            cells.scope, cells.forbund_id, cells.respondent_group, cells.gender,
            key_history.comparability_key
        order by cells.measurement_year
    )
),

final as (
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
            when suppression_rule = 'threshold'
                then 'Jämförelse saknas: för få svar ' || measurement_year
            when is_suppressed
                then 'Jämförelse saknas: resultatet ' || measurement_year || ' redovisas inte'
            when prev_n_answers = 0
                then 'Jämförelse saknas: inga svar föregående år'
            when prev_suppression_rule = 'threshold'
                then 'Jämförelse saknas: för få svar ' || previous_year
            when prev_is_suppressed
                then 'Jämförelse saknas: resultatet ' || previous_year || ' redovisas inte'
        end as comparison_note,
        -- pooled two-proportion z statistic, descriptive only (null when the pooled share is 0
        -- or 1); significance is decided by the exact test in int_stats__change_tests
        {{ stable('(share_positive - prev_share_positive) / nullif(sqrt(
            ((n_positive + prev_n_positive) / (n_answers + prev_n_answers)::double)
            * (1 - (n_positive + prev_n_positive) / (n_answers + prev_n_answers)::double)
            * (1 / n_answers::double + 1 / prev_n_answers::double)
        ), 0)') }} as z_two_proportions
    from keyed
)

select * from final
