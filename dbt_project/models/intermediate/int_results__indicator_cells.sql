{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_years() }}"
) }}

-- Grain: measurement year x scope x respondent group x indicator x gender. Pools the answers to all
-- questions of one indicator asked of one group in that year, and keeps per-respondent sums so
-- that the mart can compute cluster-robust (respondent-level) intervals: one respondent usually
-- answers several questions of an indicator, so the answers are not independent.
-- For respondent i: m_i = substantive answers, p_i = positive answers, s_i = sum of answer values.
-- Built by measurement year: a run rebuilds only the years whose questionnaires changed
-- (macros/incremental_by_year.sql).
with years_to_build as (
    {{ years_to_build() }}
),

question_cells as (
    select * from {{ ref('int_results__question_cells') }}
    where measurement_year in (select measurement_year from years_to_build)
),

submissions as (
    select * from {{ ref('int_submissions__deduplicated') }}
    where measurement_year in (select measurement_year from years_to_build)
),

answers as (
    select * from {{ ref('int_answers__scored') }}
    where measurement_year in (select measurement_year from years_to_build)
),

year_versions as (
    select * from {{ ref('int_submissions__year_versions') }}
),

questions as (
    select * from {{ ref('questions') }}
),

cells as (
    select
        question_cells.measurement_year,
        question_cells.scope,
        question_cells.forbund_id,
        question_cells.respondent_group,
        question_cells.indicator_number,
        question_cells.gender,
        count(*)::integer as n_questions,
        string_agg(question_cells.question_id, ',' order by question_cells.question_id)
            as question_ids,
        string_agg(questions.comparability_key, ',' order by questions.comparability_key)
            as comparability_keys,
        max(question_cells.n_respondents)::integer as n_respondents
    from question_cells
    inner join questions on question_cells.question_id = questions.question_id
    group by all
),

-- answers to questions asked of the group in that year, one row per respondent and indicator
-- (the respondent's current version by its two numbers, not submission_key's text)
submission_sums as (
    select
        answers.load_id,
        answers.source_row,
        questions.indicator_number,
        count(*) filter (where answers.is_substantive) as m_i,
        count(*) filter (where answers.is_dont_know) as dont_know_i,
        count(*) filter (where answers.is_positive) as p_i,
        coalesce(sum(answers.answer_value), 0) as s_i,
        coalesce(sum(answers.answer_value * answers.answer_value), 0) as ss_i
    from answers
    inner join questions
        on answers.question_id = questions.question_id
        and answers.measurement_year >= questions.first_year
        and answers.measurement_year <= coalesce(questions.last_year, 9999)
    group by all
),

-- the respondents' sums summed per association and stated gender; every sum below is additive, so
-- the cells are these rolled up (macros/result_cells.sql)
fine_sums as (
    select
        submissions.measurement_year,
        submissions.forbund_id,
        submissions.respondent_group,
        submissions.gender,
        submission_sums.indicator_number,
        count(*) filter (where submission_sums.m_i > 0) as n_answering_respondents,
        sum(submission_sums.m_i) as n_answers,
        sum(submission_sums.dont_know_i) as n_dont_know,
        sum(submission_sums.p_i) as n_positive,
        sum(submission_sums.s_i) as sum_score,
        sum(submission_sums.ss_i) as sum_score_squares,
        sum(submission_sums.m_i * submission_sums.m_i) as sum_m_sq,
        sum(submission_sums.p_i * submission_sums.p_i) as sum_p_sq,
        sum(submission_sums.p_i * submission_sums.m_i) as sum_p_m,
        sum(submission_sums.s_i * submission_sums.s_i) as sum_s_sq,
        sum(submission_sums.s_i * submission_sums.m_i) as sum_s_m
    from submission_sums
    inner join submissions
        on submission_sums.load_id = submissions.load_id
        and submission_sums.source_row = submissions.source_row
    group by all
),

cell_sums as (
    select
        measurement_year,
        respondent_group,
        indicator_number,
        {{ scope_and_gender_columns() }},
        sum(n_answering_respondents) as n_answering_respondents,
        sum(n_answers) as n_answers,
        sum(n_dont_know) as n_dont_know,
        sum(n_positive) as n_positive,
        sum(sum_score)::double as sum_score,
        sum(sum_score_squares)::double as sum_score_squares,
        sum(sum_m_sq)::double as sum_m_sq,
        sum(sum_p_sq)::double as sum_p_sq,
        sum(sum_p_m)::double as sum_p_m,
        sum(sum_s_sq)::double as sum_s_sq,
        sum(sum_s_m)::double as sum_s_m
    from fine_sums
    {{ group_by_scope_and_gender(['measurement_year', 'respondent_group', 'indicator_number']) }}
),

final as (
    select
        cells.*,
        coalesce(cell_sums.n_answering_respondents, 0)::integer as n_answering_respondents,
        coalesce(cell_sums.n_answers, 0)::integer as n_answers,
        coalesce(cell_sums.n_dont_know, 0)::integer as n_dont_know,
        coalesce(cell_sums.n_positive, 0)::integer as n_positive,
        coalesce(cell_sums.sum_score, 0) as sum_score,
        coalesce(cell_sums.sum_score_squares, 0) as sum_score_squares,
        coalesce(cell_sums.sum_m_sq, 0) as sum_m_sq,
        coalesce(cell_sums.sum_p_sq, 0) as sum_p_sq,
        coalesce(cell_sums.sum_p_m, 0) as sum_p_m,
        coalesce(cell_sums.sum_s_sq, 0) as sum_s_sq,
        coalesce(cell_sums.sum_s_m, 0) as sum_s_m,
        year_versions.year_version
    from cells
    inner join year_versions on cells.measurement_year = year_versions.measurement_year
    left join cell_sums
        on {{ cell_key_matches('cells', 'cell_sums', 'indicator_number') }}
)

select * from final
