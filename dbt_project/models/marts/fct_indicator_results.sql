-- Grain: measurement year x scope (one association, or riket) x respondent group x question x
-- gender (alla, kvinna, man). A cell exists for every question asked of a group in a year in which
-- the association (or, for riket, anyone) returned at least one questionnaire of that group.
with submissions as (
    select * from {{ ref('fct_submissions') }}
),

answers as (
    select * from {{ ref('fct_answers') }}
),

questions as (
    select * from {{ ref('dim_question') }}
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

genders as (
    select gender from (values ('alla'), ('kvinna'), ('man')) as genders (gender)
),

-- every questionnaire counted under 'alla' and, when kvinna or man, under its gender too;
-- and under its association and under riket
scoped_submissions as (
    select
        submissions.measurement_year,
        scopes.scope,
        case when scopes.scope = 'forbund' then submissions.forbund_id end as forbund_id,
        submissions.respondent_group,
        split_genders.gender,
        submissions.submission_key
    from submissions
    cross join (values ('forbund'), ('riket')) as scopes (scope)
    inner join genders as split_genders
        on split_genders.gender = 'alla' or split_genders.gender = submissions.gender
),

populated_groups as (
    select distinct measurement_year, scope, forbund_id, respondent_group
    from scoped_submissions
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
        measurement_year,
        scope,
        forbund_id,
        respondent_group,
        gender,
        count(*) as n_respondents
    from scoped_submissions
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
        avg(answers.answer_value) as mean_score,
        stddev_samp(answers.answer_value) as sd_score
    from scoped_submissions as scoped
    inner join answers on scoped.submission_key = answers.submission_key
    group by all
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
        coalesce(respondent_counts.n_respondents, 0)::integer as n_respondents,
        coalesce(answer_stats.n_answers, 0)::integer as n_answers,
        coalesce(answer_stats.n_dont_know, 0)::integer as n_dont_know,
        coalesce(answer_stats.n_positive, 0)::integer as n_positive,
        answer_stats.mean_score,
        answer_stats.sd_score,
        answer_stats.n_positive / nullif(answer_stats.n_answers, 0) as share_positive,
        coalesce(answer_stats.n_answers, 0) < {{ var('min_answers') }} as is_suppressed,
        case
            when coalesce(answer_stats.n_answers, 0) < {{ var('min_answers') }}
                then 'Alltför få svar inkomna för att kunna redovisas'
        end as suppression_reason
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
    left join forbund on cells.forbund_id = forbund.forbund_id
)

select * from final
