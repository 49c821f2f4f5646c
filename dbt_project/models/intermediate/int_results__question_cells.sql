{{ config(materialized='table') }}

-- Grain: measurement year x scope (one association, or riket) x respondent group x question x
-- gender (alla, kvinna, man). A cell exists for every question asked of a group in a year in which
-- the association (or, for riket, anyone) returned at least one questionnaire of that group, and
-- holds the true counts and statistics of the substantive answers (no disclosure control here).
-- Counts are summed per association and stated gender, then rolled up to the cells
-- (macros/result_cells.sql).
with submissions as (
    select * from {{ ref('int_submissions__deduplicated') }}
),

answers as (
    select * from {{ ref('int_answers__scored') }}
),

questions as (
    select * from {{ ref('questions') }}
),

genders as (
    select gender from (values ('alla'), ('kvinna'), ('man')) as genders (gender)
),

respondent_counts as (
    select
        measurement_year,
        respondent_group,
        {{ scope_and_gender_columns() }},
        count(*) as n_respondents
    from submissions
    {{ group_by_scope_and_gender(['measurement_year', 'respondent_group']) }}
),

fine_answer_stats as (
    select
        measurement_year,
        forbund_id,
        respondent_group,
        gender,
        question_id,
        count(*) filter (where is_substantive) as n_answers,
        count(*) filter (where is_dont_know) as n_dont_know,
        count(*) filter (where is_positive) as n_positive,
        sum(answer_value) as sum_score,
        sum(answer_value * answer_value) as sum_score_squares
    from answers
    group by all
),

answer_stats as (
    select
        measurement_year,
        respondent_group,
        question_id,
        {{ scope_and_gender_columns() }},
        sum(n_answers)::bigint as n_answers,
        sum(n_dont_know)::bigint as n_dont_know,
        sum(n_positive)::bigint as n_positive,
        sum(sum_score)::bigint as sum_score,
        sum(sum_score_squares)::bigint as sum_score_squares
    from fine_answer_stats
    {{ group_by_scope_and_gender(['measurement_year', 'respondent_group', 'question_id']) }}
),

-- the scopes that returned at least one questionnaire of the group that year (their alla row)
cells as (
    select
        respondent_counts.measurement_year,
        respondent_counts.scope,
        respondent_counts.forbund_id,
        respondent_counts.respondent_group,
        genders.gender,
        questions.question_id,
        questions.indicator_number
    from respondent_counts
    cross join genders
    inner join questions
        on respondent_counts.respondent_group = questions.respondent_group
        and respondent_counts.measurement_year >= questions.first_year
        and respondent_counts.measurement_year <= coalesce(questions.last_year, 9999)
    where respondent_counts.gender = 'alla'
),

final as (
    select
        cells.measurement_year,
        cells.scope,
        cells.forbund_id,
        cells.respondent_group,
        cells.indicator_number,
        cells.question_id,
        cells.gender,
        coalesce(respondent_counts.n_respondents, 0)::integer as n_respondents,
        coalesce(answer_stats.n_answers, 0)::integer as n_answers,
        coalesce(answer_stats.n_dont_know, 0)::integer as n_dont_know,
        coalesce(answer_stats.n_positive, 0)::integer as n_positive,
        coalesce(answer_stats.sum_score, 0)::bigint as sum_score,
        coalesce(answer_stats.sum_score_squares, 0)::bigint as sum_score_squares,
        (answer_stats.sum_score / nullif(answer_stats.n_answers, 0))::double as mean_score,
        {{ sample_sd(
            'answer_stats.n_answers', 'answer_stats.sum_score', 'answer_stats.sum_score_squares'
        ) }} as sd_score,
        (answer_stats.n_positive / nullif(answer_stats.n_answers, 0))::double as share_positive
    from cells
    left join respondent_counts
        on {{ cell_key_matches('cells', 'respondent_counts', item=none) }}
    left join answer_stats
        on {{ cell_key_matches('cells', 'answer_stats') }}
)

select * from final
