-- The funnel plots' control limit curves (int_stats__funnel_limits), one row per question cube and
-- number of answers: drawn as lines around the national share.
with limits as (
    select * from {{ ref('int_stats__funnel_limits') }}
),

final as (
    select
        measurement_year,
        respondent_group,
        question_id,
        n_answers,
        national_share,
        limit_95_low,
        limit_95_high,
        limit_998_low,
        limit_998_high,
        is_overdispersed,
        is_forbund_size
    from limits
)

select * from final
