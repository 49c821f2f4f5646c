{{ config(materialized='table') }}

-- Disclosure control of question cells. Two rules, with var('min_answers') = m (default 5):
--   1. threshold: a cell with fewer than m substantive answers is suppressed.
--   2. gender complement: within one year x scope x association x group x question, the gender
--      split (kvinna and man) is published only if both kvinna and man reach m and, when
--      var('suppress_small_gender_remainder') is true, the remainder alla - kvinna - man (answers
--      from respondents of another or no stated gender) is 0 or at least m. Otherwise both gender
--      cells are suppressed, so that no group of fewer than m answers can be derived by
--      subtracting published cells. The alla cell is kept if it passes rule 1.
{%- set min_answers = var('min_answers') %}
{%- set check_remainder = var('suppress_small_gender_remainder', true) %}
with cells as (
    select * from {{ ref('int_results__question_cells') }}
),

gender_split as (
    select
        cells.measurement_year,
        cells.scope,
        cells.forbund_id,
        cells.respondent_group,
        cells.question_id,
        max(cells.n_answers) filter (where cells.gender = 'alla') as n_alla,
        max(cells.n_answers) filter (where cells.gender = 'kvinna') as n_kvinna,
        max(cells.n_answers) filter (where cells.gender = 'man') as n_man
    from cells
    group by all
),

split_verdict as (
    select
        *,
        coalesce(n_alla, 0) - coalesce(n_kvinna, 0) - coalesce(n_man, 0) as n_remainder,
        not (
            coalesce(n_kvinna, 0) >= {{ min_answers }}
            and coalesce(n_man, 0) >= {{ min_answers }}
            {%- if check_remainder %}
            and (
                coalesce(n_alla, 0) - coalesce(n_kvinna, 0) - coalesce(n_man, 0) = 0
                or coalesce(n_alla, 0) - coalesce(n_kvinna, 0) - coalesce(n_man, 0) >= {{ min_answers }}
            )
            {%- endif %}
        ) as is_split_blocked
    from gender_split
),

flagged as (
    select
        cells.*,
        cells.n_answers < {{ min_answers }} as is_below_threshold,
        cells.gender in ('kvinna', 'man') and split_verdict.is_split_blocked as is_split_blocked
    from cells
    inner join split_verdict
        on cells.measurement_year = split_verdict.measurement_year
        and cells.scope = split_verdict.scope
        and cells.forbund_id is not distinct from split_verdict.forbund_id
        and cells.respondent_group = split_verdict.respondent_group
        and cells.question_id = split_verdict.question_id
),

final as (
    select
        * exclude (is_below_threshold, is_split_blocked),
        is_below_threshold or is_split_blocked as is_suppressed,
        case
            when is_below_threshold then 'threshold'
            when is_split_blocked then 'gender_complement'
        end as suppression_rule,
        case
            when is_below_threshold
                then 'Alltför få svar inkomna för att kunna redovisas'
            when is_split_blocked
                then 'Redovisas inte: en uppdelning på kvinnor och män skulle röja en grupp med alltför få svar'
        end as suppression_reason
    from flagged
)

select * from final
