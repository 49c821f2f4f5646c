{{ config(materialized='table') }}

-- Rank intervals of the published association cells of every indicator, pooled over its
-- questions with the respondent-clustered effective sample size of its interval
-- (macros/rank_intervals.sql).
-- A table: every pair of associations is compared once, not again by its test and by the
-- published model that reads it.
with published as (
    select * from {{ ref('fct_indicator_summary') }}
    where scope = 'forbund' and not is_suppressed and n_answers > 0
),

{{ rank_intervals('published', 'indicator_number', 'n_effective') }}
