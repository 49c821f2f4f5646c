{{ config(materialized='table') }}

-- Every current questionnaire placed in each result cell it counts towards: under its own
-- association (scope forbund) and under the national total (scope riket), and in each of those
-- under 'alla' and, when the respondent gave kvinna or man, under that gender too. Respondents
-- with another or no stated gender count only under 'alla'.
with submissions as (
    select * from {{ ref('int_submissions__deduplicated') }}
),

scopes as (
    select scope from (values ('forbund'), ('riket')) as scopes (scope)
),

genders as (
    select gender from (values ('alla'), ('kvinna'), ('man')) as genders (gender)
),

final as (
    select
        submissions.submission_key,
        submissions.measurement_year,
        scopes.scope,
        case when scopes.scope = 'forbund' then submissions.forbund_id end as forbund_id,
        submissions.respondent_group,
        genders.gender
    from submissions
    cross join scopes
    inner join genders
        on genders.gender = 'alla' or genders.gender = submissions.gender
)

select * from final
