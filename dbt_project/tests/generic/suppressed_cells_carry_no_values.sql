{#- Fails on any suppressed cell of a published table that still carries a value.

    Without arguments it checks n_answers, mean_score and share_positive. With key_columns it reads
    the table's columns from the warehouse and checks every column that is not listed there, so a
    column added later is covered without touching the test: key_columns name what may stay set on
    a suppressed row (keys, labels, is_suppressed, suppression_reason). -#}
{% test suppressed_cells_carry_no_values(model, key_columns=none) %}
{%- if key_columns is none -%}
    {%- set value_columns = ['n_answers', 'mean_score', 'share_positive'] -%}
{%- elif execute -%}
    {%- set allowed = key_columns | map('lower') | list -%}
    {%- set value_columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- if column.name | lower not in allowed -%}
            {%- do value_columns.append(adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
{%- else -%}
    {%- set value_columns = [] -%}
{%- endif %}
select *
from {{ model }}
where is_suppressed
{%- if value_columns %}
    and (
    {%- for column in value_columns %}
        {{ column }} is not null{{ " or" if not loop.last }}
    {%- endfor %}
    )
{%- elif key_columns is not none and execute %}
    -- no value column found: fail loudly rather than pass vacuously
    or true
{%- endif %}
{% endtest %}
