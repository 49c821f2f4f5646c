-- The t critical values against scipy.stats.t.ppf(0.975, df), across the exact table and the
-- Cornish-Fisher range. Returns rows that are off by more than 1e-6.
with reference (df, expected) as (
    values
        (1, 12.706204736174694),
        (4, 2.7764451051977934),
        (9, 2.262157162798205),
        (30, 2.0422724563012378),
        (31, 2.039513446396408),
        (50, 2.008559112100761),
        (100, 1.9839715185235518),
        (1000, 1.9623390808264083)
)

select reference.df, reference.expected, t_quantiles.t_975
from reference
left join {{ ref('int_stats__t_quantiles') }} as t_quantiles on reference.df = t_quantiles.df
where t_quantiles.t_975 is null or abs(t_quantiles.t_975 - reference.expected) > 1e-6
