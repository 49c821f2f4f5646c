-- Two-sided 95 % critical values of Student's t distribution, t(0.975; df), for df = 1..100000.
-- DuckDB has no t quantile function. Degrees of freedom 1..30 are the exact values (computed with
-- scipy.stats.t.ppf, 9 decimals); above 30 the Cornish-Fisher expansion of t in terms of the normal
-- quantile z = 1.959963984540054 is used, whose error there is below 4e-8.
{%- set exact = [
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
    2.364624252, 2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830,
    2.160368656, 2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040,
    2.093024054, 2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
    2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456
] %}
with exact_values as (
    select * from (values
    {%- for value in exact %}
        ({{ loop.index }}, {{ value }}::double){{ "," if not loop.last }}
    {%- endfor %}
    ) as exact_values (df, t_975)
),

expansion as (
    select
        df::integer as df,
        1.959963984540054::double as z,
        df::double as v
    from range(31, 100001) as degrees (df)
),

approximated as (
    select
        df,
        z
        + (z ^ 3 + z) / (4 * v)
        + (5 * z ^ 5 + 16 * z ^ 3 + 3 * z) / (96 * v ^ 2)
        + (3 * z ^ 7 + 19 * z ^ 5 + 17 * z ^ 3 - 15 * z) / (384 * v ^ 3)
        + (79 * z ^ 9 + 776 * z ^ 7 + 1482 * z ^ 5 - 1920 * z ^ 3 - 945 * z) / (92160 * v ^ 4)
            as t_975
    from expansion
),

final as (
    select df, t_975 from exact_values
    union all
    select df, t_975 from approximated
)

select * from final
