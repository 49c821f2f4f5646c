{{ config(materialized='table') }}

-- One row per measurement year, with a fingerprint of which version of each response counts in it.
-- It changes when a new file, a year reload, a withdrawal or its undo changes the year's current
-- questionnaires, and only then: the models built by year (macros/incremental_by_year.sql) keep
-- it on their rows and rebuild just the years whose fingerprint is not theirs.
with submissions as (
    select * from {{ ref('int_submissions__deduplicated') }}
),

final as (
    select
        measurement_year,
        measurement_year || ':' || count(*) || ':'
        || sum(hash(submission_key, load_id, source_row)) as year_version
    from submissions
    group by measurement_year
)

select * from final
