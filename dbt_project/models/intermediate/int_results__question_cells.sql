-- Grain: measurement year x scope (one association, or riket) x respondent group x question x
-- gender (alla, kvinna, man). A cell exists for every question asked of a group in a year in which
-- the association (or, for riket, anyone) returned at least one questionnaire of that group, and
-- holds the true counts and statistics of the substantive answers (no disclosure control here).
with scoped as (
    select * from {{ ref('int_submissions__scoped') }}
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

populated_groups as (
    select distinct
        scoped.measurement_year,
        scoped.scope,
        scoped.forbund_id,
        scoped.respondent_group
    from scoped
),

cells as (
    select
        populated_groups.measurement_year,
        populated_groups.scope,
        populated_groups.forbund_id,
        populated_groups.respondent_group,
        genders.gender,
        questions.question_id,
        questions.indicator_number
    from populated_groups
    cross join genders
    inner join questions
        on populated_groups.respondent_group = questions.respondent_group
        and populated_groups.measurement_year >= questions.first_year
        and populated_groups.measurement_year <= coalesce(questions.last_year, 9999)
),

respondent_counts as (
    select
        scoped.measurement_year,
        scoped.scope,
        scoped.forbund_id,
        scoped.respondent_group,
        scoped.gender,
        count(*) as n_respondents
    from scoped
    group by all
),

answer_stats as (
    select
        scoped.measurement_year,
        scoped.scope,
        scoped.forbund_id,
        scoped.respondent_group,
        scoped.gender,
        answers.question_id,
        count(*) filter (where answers.is_substantive) as n_answers,
        count(*) filter (where answers.is_dont_know) as n_dont_know,
        count(*) filter (where answers.is_positive) as n_positive,
        sum(answers.answer_value)::bigint as sum_score,
        sum(answers.answer_value * answers.answer_value)::bigint as sum_score_squares
    from scoped
    inner join answers on scoped.submission_key = answers.submission_key
    group by all
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
        -- from exact integer sums rather than stddev_samp, whose parallel aggregation makes the
        -- last bits depend on the order rows arrive in: the same data gives the same bits
        sqrt(
            (answer_stats.n_answers * answer_stats.sum_score_squares::hugeint
                - answer_stats.sum_score::hugeint * answer_stats.sum_score)::double
            / nullif(answer_stats.n_answers::bigint * (answer_stats.n_answers - 1), 0)
        )::double as sd_score,
        (answer_stats.n_positive / nullif(answer_stats.n_answers, 0))::double as share_positive
    from cells
    left join respondent_counts
        on cells.measurement_year = respondent_counts.measurement_year
        and cells.scope = respondent_counts.scope
        and cells.forbund_id is not distinct from respondent_counts.forbund_id
        and cells.respondent_group = respondent_counts.respondent_group
        and cells.gender = respondent_counts.gender
    left join answer_stats
        on cells.measurement_year = answer_stats.measurement_year
        and cells.scope = answer_stats.scope
        and cells.forbund_id is not distinct from answer_stats.forbund_id
        and cells.respondent_group = answer_stats.respondent_group
        and cells.gender = answer_stats.gender
        and cells.question_id = answer_stats.question_id
)

select * from final
