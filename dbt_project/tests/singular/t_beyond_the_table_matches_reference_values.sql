-- depends_on: {{ ref('int_stats__t_quantiles') }}
-- Cells with more than 100,001 answers (national cells at a large volume) take t(0.975; df) from
-- the expansion beyond the tabulated range. Checked against scipy.stats.t.ppf(0.975, df); returns
-- rows that are off by more than 1e-9.
with reference (df, expected) as (
    values
        (100001, 1.9599877072973786),
        (250000, 1.9599734736701353),
        (1000000, 1.959966356814107),
        (29000000, 1.9599640663425137)
)

select df, expected, {{ t_975_beyond_table('null', 'df') }} as t_975
from reference
where abs({{ t_975_beyond_table('null', 'df') }} - expected) > 1e-9
    or {{ t_975_beyond_table('null', 'df') }} is null
