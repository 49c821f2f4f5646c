with submissions as (
    select * from {{ ref('fct_submissions') }}
),

forbund as (
    select * from {{ ref('dim_forbund') }}
),

final as (
    select
        submissions.measurement_year,
        submissions.forbund_id,
        forbund.forbund_name,
        submissions.respondent_group,
        count(*)::integer as n_submissions
    from submissions
    inner join forbund on submissions.forbund_id = forbund.forbund_id
    group by all
)

select * from final
