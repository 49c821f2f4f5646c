{#- Statistical formulas used by more than one model; docs/marts.md gives the definitions. -#}

{#- The 97.5 % quantile of the standard normal distribution: two-sided 95 % intervals. -#}
{% macro z_975() -%}
    1.959963984540054::double
{%- endmacro %}

{#- One end of the 95 % Wilson score interval for a share p of n observations (side 'low' or
    'high'); null when n is not positive. Stays within 0..1 and has positive width at p = 0 and
    p = 1. n may be an effective sample size (a non-integer). -#}
{% macro wilson_bound(p, n, side) -%}
    {%- set z = z_975() -%}
    {%- set sign = '-' if side == 'low' else '+' -%}
    case when ({{ n }}) > 0 then
        (({{ p }}) + {{ z }} ^ 2 / (2 * ({{ n }}))
            {{ sign }} {{ z }} * sqrt(greatest(
                ({{ p }}) * (1 - ({{ p }})) / ({{ n }}) + {{ z }} ^ 2 / (4 * ({{ n }}) ^ 2), 0)))
        / (1 + {{ z }} ^ 2 / ({{ n }}))
    end
{%- endmacro %}

{#- Derived statistics are rounded to 12 decimals: far below any reported precision, and the same
    to the bit on every machine (the last bit of floating-point arithmetic otherwise depends on the
    CPU, the DuckDB build and the order of parallel sums). -#}
{% macro stable(expression) -%}
    round({{ expression }}, 12)
{%- endmacro %}

{#- t(0.975; df) by the Cornish-Fisher expansion in the normal quantile z, for df above 30 (error
    below 4e-8 there). int_stats__t_quantiles tabulates it for df up to T_TABLE_MAX_DF;
    t_975_beyond_table gives it for any larger df, so no interval is lost at any volume. -#}
{% macro t_975_expansion(df) -%}
    {%- set z = z_975() -%}
    {%- set v = '(' ~ df ~ ')::double' -%}
    ({{ z }}
        + ({{ z }} ^ 3 + {{ z }}) / (4 * {{ v }})
        + (5 * {{ z }} ^ 5 + 16 * {{ z }} ^ 3 + 3 * {{ z }}) / (96 * {{ v }} ^ 2)
        + (3 * {{ z }} ^ 7 + 19 * {{ z }} ^ 5 + 17 * {{ z }} ^ 3 - 15 * {{ z }})
            / (384 * {{ v }} ^ 3)
        + (79 * {{ z }} ^ 9 + 776 * {{ z }} ^ 7 + 1482 * {{ z }} ^ 5 - 1920 * {{ z }} ^ 3
            - 945 * {{ z }}) / (92160 * {{ v }} ^ 4))
{%- endmacro %}

{% macro t_table_max_df() -%}
    100000
{%- endmacro %}

{#- The tabulated t(0.975; df) joined as `t_quantiles`, or the expansion where df is beyond the
    table (a national cell of more than 100,001 answers). -#}
{% macro t_975_beyond_table(tabulated, df) -%}
    coalesce({{ tabulated }}, case when ({{ df }}) > {{ t_table_max_df() }}
        then {{ t_975_expansion(df) }} end)
{%- endmacro %}

{#- One end of Newcombe's hybrid score interval (his method 10) for the difference p1 - p2 of two
    independent shares of n1 and n2 observations, built from the 95 % Wilson interval of each:
    low  = (p1 - p2) - sqrt((p1 - low1)^2 + (high2 - p2)^2),
    high = (p1 - p2) + sqrt((high1 - p1)^2 + (p2 - low2)^2).
    Null when either n is not positive. -#}
{% macro newcombe_bound(p1, n1, p2, n2, side) -%}
    {%- set near1 = wilson_bound(p1, n1, 'low' if side == 'low' else 'high') -%}
    {%- set near2 = wilson_bound(p2, n2, 'high' if side == 'low' else 'low') -%}
    {%- set sign = '-' if side == 'low' else '+' -%}
    (({{ p1 }}) - ({{ p2 }}) {{ sign }} sqrt(
        (({{ p1 }}) - ({{ near1 }})) ^ 2 + (({{ near2 }}) - ({{ p2 }})) ^ 2))
{%- endmacro %}

{#- The sample standard deviation of n values from their sum and their sum of squares, both
    integers: sqrt((n * sum of squares - sum^2) / (n (n - 1))), null when n < 2. Exact integer
    sums rather than stddev_samp, whose parallel aggregation makes the last bits depend on the
    order rows arrive in: the same data gives the same bits. -#}
{% macro sample_sd(n, total, total_of_squares) -%}
    sqrt(
        (({{ n }}) * ({{ total_of_squares }})::hugeint
            - ({{ total }})::hugeint * ({{ total }}))::double
        / nullif(({{ n }})::bigint * (({{ n }}) - 1), 0)
    )
{%- endmacro %}

{#- The significance level of every test the marts publish (two-sided). -#}
{% macro significance_level() -%}
    {{ var('significance_level', 0.05) }}
{%- endmacro %}
