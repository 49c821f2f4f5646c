-- How many women - men differences were tested each year, how many came out significant, and how
-- many would by chance alone if there were no difference anywhere (the significance level times
-- the tests): what Metod says about testing many differences at once.
with differences as (
    select * from {{ ref('fct_gender_differences') }}
),

final as (
    select
        measurement_year,
        scope,
        count(*)::integer as n_share_tests,
        count(*) filter (where is_share_difference_significant)::integer
            as n_share_significant,
        (count(*) * {{ significance_level() }})::double as n_share_expected_by_chance,
        count(mean_p_value)::integer as n_mean_tests,
        count(*) filter (where is_mean_difference_significant)::integer as n_mean_significant,
        (count(mean_p_value) * {{ significance_level() }})::double as n_mean_expected_by_chance
    from differences
    group by all
)

select * from final
