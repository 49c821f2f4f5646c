{{ config(materialized='table') }}

-- Like-for-like national change: for every compared national cell (riket, year Y against its
-- previous comparable year Y0), the same question pooled over only the associations whose cell
-- is published in both years (same group, comparability key and gender). The set of taking-part
-- associations changes from year to year; this isolates change within the same associations.
-- Built from published cells only, so it reveals nothing the published association cells do not.
with compared as (
    select * from {{ ref('int_results__compared') }}
),

national as (
    select * from compared
    where scope = 'riket' and is_compared
),

published_forbund as (
    select * from compared
    where scope = 'forbund' and not is_suppressed and n_answers > 0
),

pairs as (
    select
        national.measurement_year,
        national.respondent_group,
        national.question_id,
        national.gender,
        national.previous_year,
        this_year.forbund_id,
        this_year.n_answers,
        this_year.n_positive,
        this_year.sum_score,
        this_year.sum_score_squares,
        last_year.n_answers as prev_n_answers,
        last_year.n_positive as prev_n_positive,
        last_year.sum_score as prev_sum_score,
        last_year.sum_score_squares as prev_sum_score_squares
    from national
    inner join published_forbund as this_year
        on this_year.measurement_year = national.measurement_year
        and this_year.respondent_group = national.respondent_group
        and this_year.comparability_key = national.comparability_key
        and this_year.gender = national.gender
    inner join published_forbund as last_year
        on last_year.measurement_year = national.previous_year
        and last_year.forbund_id = this_year.forbund_id
        and last_year.respondent_group = national.respondent_group
        and last_year.comparability_key = national.comparability_key
        and last_year.gender = national.gender
),

pooled as (
    select
        measurement_year,
        respondent_group,
        question_id,
        gender,
        previous_year,
        count(*)::integer as n_forbund,
        sum(n_answers)::integer as n_answers,
        sum(n_positive)::integer as n_positive,
        sum(sum_score)::hugeint as sum_score,
        sum(sum_score_squares)::hugeint as sum_score_squares,
        sum(prev_n_answers)::integer as prev_n_answers,
        sum(prev_n_positive)::integer as prev_n_positive,
        sum(prev_sum_score)::hugeint as prev_sum_score,
        sum(prev_sum_score_squares)::hugeint as prev_sum_score_squares
    from pairs
    group by all
),

final as (
    select
        measurement_year,
        respondent_group,
        question_id,
        gender,
        previous_year,
        n_forbund,
        n_answers,
        n_positive,
        n_positive / n_answers::double as share_positive,
        sum_score / n_answers::double as mean_score,
        {{ sample_sd('n_answers', 'sum_score', 'sum_score_squares') }} as sd_score,
        prev_n_answers,
        prev_n_positive,
        prev_n_positive / prev_n_answers::double as prev_share_positive,
        prev_sum_score / prev_n_answers::double as prev_mean_score,
        {{ sample_sd('prev_n_answers', 'prev_sum_score', 'prev_sum_score_squares') }}
            as prev_sd_score
    from pooled
)

select * from final
