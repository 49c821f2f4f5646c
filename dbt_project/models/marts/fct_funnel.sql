-- Grain: measurement year x respondent group x question x association, for every association
-- whose alla cell is published in a year whose national cell is published: its share positive
-- against the national share at its own number of answers, with the funnel plot's control limits
-- (int_stats__funnel_limits: exact binomial at 95 % and 99.8 %, or widened for overdispersion).
-- funnel_flag_95 and funnel_flag_998 say 'över riket' or 'under riket' when the share lies outside
-- the limits of that level, and are null inside them. Only published cells take part.
with cells as (
    select * from {{ ref('fct_indicator_results') }}
    where scope = 'forbund' and gender = 'alla' and not is_suppressed and n_answers > 0
),

limits as (
    select * from {{ ref('int_stats__funnel_limits') }}
),

final as (
    select
        cells.measurement_year,
        cells.respondent_group,
        cells.indicator_number,
        cells.question_id,
        cells.forbund_id,
        cells.forbund_name,
        cells.n_answers,
        cells.share_positive,
        cells.share_ci_low,
        cells.share_ci_high,
        limits.national_share,
        limits.n_forbund,
        {{ stable('case when limits.national_share > 0 and limits.national_share < 1
            then (cells.share_positive - limits.national_share) / sqrt(
                limits.national_share * (1 - limits.national_share) / cells.n_answers)
            end') }} as z_score,
        limits.limit_95_low,
        limits.limit_95_high,
        limits.limit_998_low,
        limits.limit_998_high,
        limits.overdispersion_phi,
        limits.overdispersion_tau2,
        limits.is_overdispersed,
    {%- for level in ['95', '998'] %}
        case
            when cells.share_positive > limits.limit_{{ level }}_high then 'över riket'
            when cells.share_positive < limits.limit_{{ level }}_low then 'under riket'
        end as funnel_flag_{{ level }}{{ "," if not loop.last }}
    {%- endfor %}
    from cells
    inner join limits
        on cells.measurement_year = limits.measurement_year
        and cells.respondent_group = limits.respondent_group
        and cells.question_id = limits.question_id
        and cells.n_answers = limits.n_answers
)

select * from final
