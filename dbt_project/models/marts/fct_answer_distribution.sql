-- Grain: one row per question cell of fct_indicator_results (measurement year x scope x respondent
-- group x question x gender) and answer option: every value from scale_min to scale_max, plus the
-- question's "Vet ej" option. Options nobody chose have n_answers = 0. Suppression is the cell's.
with cells as (
    select * from {{ ref('int_results__disclosure') }}
),

answers as (
    select * from {{ ref('int_answers__scored') }}
),

questions as (
    select * from {{ ref('dim_question') }}
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

options as (
    select
        questions.question_id,
        scale.answer_value::integer as answer_value,
        scale.answer_value::varchar as answer_label,
        false as is_dont_know,
        scale.answer_value >= questions.positive_min as is_positive,
        (scale.answer_value - questions.scale_min + 1)::integer as option_order
    from questions
    cross join generate_series(questions.scale_min, questions.scale_max) as scale (answer_value)
    union all
    select
        questions.question_id,
        null::integer as answer_value,
        coalesce(questions.dont_know_label, 'Vet ej') as answer_label,
        true as is_dont_know,
        false as is_positive,
        (questions.scale_max - questions.scale_min + 2)::integer as option_order
    from questions
),

-- answers counted per association and stated gender, rolled up to the cells
-- (macros/result_cells.sql)
fine_counts as (
    select
        measurement_year,
        forbund_id,
        respondent_group,
        gender,
        question_id,
        answer_value,
        is_dont_know,
        count(*) as n_answers
    from answers
    group by all
),

counts as (
    select
        measurement_year,
        respondent_group,
        question_id,
        answer_value,
        is_dont_know,
        {{ scope_and_gender_columns() }},
        sum(n_answers)::bigint as n_answers
    from fine_counts
    {{ group_by_scope_and_gender(
        ['measurement_year', 'respondent_group', 'question_id', 'answer_value', 'is_dont_know']
    ) }}
),

final as (
    select
        cells.measurement_year,
        cells.scope,
        cells.forbund_id,
        forbund.forbund_name,
        cells.respondent_group,
        cells.indicator_number,
        cells.question_id,
        cells.gender,
        options.answer_value,
        options.answer_label,
        options.is_dont_know,
        options.is_positive,
        options.option_order,
        coalesce(counts.n_answers, 0)::integer as n_answers,
        case
            when not options.is_dont_know
                then coalesce(counts.n_answers, 0) / nullif(cells.n_answers, 0)::double
        end as share_of_substantive,
        coalesce(counts.n_answers, 0) / nullif(cells.n_answers + cells.n_dont_know, 0)::double
            as share_of_all_answers,
        cells.is_suppressed,
        cells.suppression_reason,
        cells.suppression_rule
    from cells
    inner join options on cells.question_id = options.question_id
    left join counts
        on {{ cell_key_matches('cells', 'counts') }}
        and options.is_dont_know = counts.is_dont_know
        and options.answer_value is not distinct from counts.answer_value
    left join forbund on cells.forbund_id = forbund.forbund_id
)

select * from final
