-- Two-sided 95 % critical values of Student's t distribution, t(0.975; df), for df = 1..100000
-- (macro t_975_beyond_table gives larger df).
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
    select * from (
        values
        {%- for value in exact %}
            ({{ loop.index }}, {{ value }}::double){{ "," if not loop.last }}
        {%- endfor %}
    ) as exact_values (df, t_975)
),

approximated as (
    select
        df::integer as df,
        {{ t_975_expansion('df') }} as t_975
    from range(31, {{ t_table_max_df() }} + 1) as degrees (df)
),

final as (
    select
        df,
        t_975
    from exact_values
    union all
    select
        df,
        t_975
    from approximated
)

select * from final
