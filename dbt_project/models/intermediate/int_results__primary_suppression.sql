{{ config(materialized='table') }}

-- Primary suppression of question cells: each cell judged on its own row (macros/disclosure.sql).
--   threshold          fewer than var('min_answers') substantive answers;
--   gender_complement  a kvinna or man cell whose row's split into kvinna and man is blocked,
--                      so both are hidden together (the split would reveal a small group).
-- int_results__secondary_suppression then hides further cells until no hidden group can be
-- worked out by subtraction across associations and genders.
with cells as (
    select * from {{ ref('int_results__question_cells') }}
),

-- one row per year x scope x association x group x question, its genders side by side
splits as (
    {{ gender_splits('cells', 'question_id') }}
),

split_verdicts as (
    select
        *,
        {{ is_gender_split_blocked('alla', 'kvinna', 'man') }} as is_split_blocked
    from splits
),

final as (
    select
        cells.*,
        case
            when {{ is_below_threshold('cells.n_answers') }} then 'threshold'
            when cells.gender in ('kvinna', 'man') and split_verdicts.is_split_blocked
                then 'gender_complement'
        end as primary_rule
    from cells
    inner join split_verdicts
        on {{ cell_key_matches('cells', 'split_verdicts', gender=false) }}
)

select * from final
