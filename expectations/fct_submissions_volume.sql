with counts as (
    select
        forbund_id,
        respondent_group,
        measurement_year,
        count(*) as n_submissions
    from marts.fct_submissions
    group by all
),

pairs as (
    select
        c.forbund_id,
        c.respondent_group,
        c.measurement_year,
        p.n_submissions as n_previous_year,
        c.n_submissions,
        c.n_submissions::double / p.n_submissions as volume_ratio
    from counts as c
    join counts as p
        on p.forbund_id = c.forbund_id
        and p.respondent_group = c.respondent_group
        and p.measurement_year = c.measurement_year - 1
    where p.n_submissions >= 10
)

select * from pairs
