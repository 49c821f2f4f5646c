{{ config(materialized='table') }}

-- Rank intervals of the published association cells of every question (macros/rank_intervals.sql).
-- A table: every pair of associations is compared once, not again by its test and by the
-- published model that reads it.
with published as (
    select * from {{ ref('int_results__disclosure') }}
    where scope = 'forbund' and not is_suppressed and n_answers > 0
),

{{ rank_intervals('published', 'question_id', 'n_answers') }}
