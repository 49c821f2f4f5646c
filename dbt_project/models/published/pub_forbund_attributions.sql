-- Questionnaires whose file names an association that had merged into another by the measurement
-- year, and so count for the successor, per year, named association, successor and survey form
-- (Datakvalitet page). Counts of current questionnaires only: no svar_id, no row.
with submissions as (
    select * from {{ ref('fct_submissions') }}
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

final as (
    select
        submissions.measurement_year,
        submissions.reported_forbund_id,
        reported.forbund_name as reported_forbund_name,
        submissions.forbund_id,
        counting.forbund_name,
        submissions.respondent_group,
        count(*)::integer as n_submissions
    from submissions
    inner join forbund as reported on submissions.reported_forbund_id = reported.forbund_id
    inner join forbund as counting on submissions.forbund_id = counting.forbund_id
    where submissions.reported_forbund_id <> submissions.forbund_id
    group by all
)

select * from final
