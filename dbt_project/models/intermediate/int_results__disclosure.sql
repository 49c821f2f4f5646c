{{ config(materialized='table') }}

-- Question cells with their final disclosure verdict, the one every published table uses:
-- suppression_rule is the primary rule (threshold, gender_complement) or, for cells hidden only to
-- protect others, secondary (int_results__secondary_suppression). The reason is the Swedish
-- sentence the site shows (macros/disclosure.sql).
with cells as (
    select * from {{ ref('int_results__primary_suppression') }}
),

verdicts as (
    select * from {{ ref('int_results__secondary_suppression') }}
),

final as (
    select
        cells.* exclude (primary_rule),
        verdicts.suppression_rule is not null as is_suppressed,
        verdicts.suppression_rule,
        {{ suppression_reason('verdicts.suppression_rule') }} as suppression_reason,
        cells.primary_rule
    from cells
    inner join verdicts
        on {{ cell_key_matches('cells', 'verdicts') }}
)

select * from final
