-- Förbund att lära av. Grain: respondent group x indicator x association, for every association
-- whose indicator result (all genders, fct_indicator_summary) is credibly above the national
-- share in the latest measurement year of the group and indicator: the lower end of its 95 %
-- interval lies above the national share. years_above_in_a_row counts the consecutive years,
-- ending in the latest, in which that held; is_to_learn_from needs at least
-- var('learn_from_years', 2) of them, so that one good year of few answers is not enough.
-- Built from published cells only.
with summary as (
    select * from {{ ref('fct_indicator_summary') }}
    where gender = 'alla' and not is_suppressed and n_answers > 0
),

national as (
    select
        measurement_year,
        respondent_group,
        indicator_number,
        share_positive as national_share
    from summary
    where scope = 'riket'
),

latest as (
    select
        respondent_group,
        indicator_number,
        max(measurement_year) as latest_year
    from national
    group by all
),

compared as (
    select
        summary.*,
        national.national_share,
        summary.share_ci_low > national.national_share as is_credibly_above
    from summary
    inner join national
        on summary.measurement_year = national.measurement_year
        and summary.respondent_group = national.respondent_group
        and summary.indicator_number = national.indicator_number
    where summary.scope = 'forbund'
),

-- consecutive years above: the years of one run share measurement_year - (its number in order)
runs as (
    select
        *,
        measurement_year - row_number() over (
            partition by respondent_group, indicator_number, forbund_id order by measurement_year
        ) as run
    from compared
    where is_credibly_above
),

run_lengths as (
    select
        *,
        count(*) over (partition by respondent_group, indicator_number, forbund_id, run)
            as run_years,
        min(measurement_year)
            over (partition by respondent_group, indicator_number, forbund_id, run)
            as run_first_year
    from runs
),

final as (
    select
        run_lengths.respondent_group,
        run_lengths.indicator_number,
        run_lengths.forbund_id,
        run_lengths.forbund_name,
        run_lengths.measurement_year as latest_year,
        run_lengths.n_answers,
        run_lengths.share_positive,
        run_lengths.share_ci_low,
        run_lengths.share_ci_high,
        run_lengths.national_share,
        run_lengths.run_years::integer as years_above_in_a_row,
        run_lengths.run_first_year::integer as first_year_above,
        run_lengths.run_years >= {{ var('learn_from_years', 2) }} as is_to_learn_from
    from run_lengths
    inner join latest
        on run_lengths.respondent_group = latest.respondent_group
        and run_lengths.indicator_number = latest.indicator_number
        and run_lengths.measurement_year = latest.latest_year
)

select * from final
