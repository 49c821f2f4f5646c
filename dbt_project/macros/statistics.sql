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
