-- A published indicator summary pools its questions (question_ids) of the same year, scope,
-- association, group and gender. It minus the published question cells is the sum of the hidden
-- ones: that must not be a small group (1 to var('min_answers') - 1) in answers or answers given.
with summary as (
    select * from {{ ref('pub_indicator_summary') }}
    where not is_suppressed
),

questions as (
    select * from {{ ref('pub_indicator_results') }}
),

published_parts as (
    select
        summary.measurement_year,
        summary.scope,
        summary.forbund_id,
        summary.respondent_group,
        summary.indicator_number,
        summary.gender,
        any_value(summary.n_answers) as summary_answers,
        any_value(summary.n_answers + summary.n_dont_know) as summary_given,
        coalesce(sum(questions.n_answers) filter (where not questions.is_suppressed), 0) as parts_answers,
        coalesce(sum(questions.n_answers + questions.n_dont_know) filter (where not questions.is_suppressed), 0)
            as parts_given
    from summary
    inner join questions
        on {{ cell_key_matches('questions', 'summary', item=none) }}
        and list_contains(string_split(summary.question_ids, ','), questions.question_id)
    group by all
)

select *
from published_parts
where {{ is_small_group('summary_answers - parts_answers') }}
    or {{ is_small_group('summary_given - parts_given') }}
