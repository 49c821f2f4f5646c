{#- Fails on any NaN in a floating-point column: an empty cell must be null, never NaN
    (NaN compares unequal to itself and breaks every downstream comparison). -#}
{% test no_nan_values(model) %}
{%- set float_columns = [] -%}
{%- for column in adapter.get_columns_in_relation(model) -%}
    {%- if column.dtype | lower in ('double', 'float', 'real') -%}
        {%- do float_columns.append(column.name) -%}
    {%- endif -%}
{%- endfor %}
select *
from {{ model }}
where false
{%- for name in float_columns %}
    or isnan({{ adapter.quote(name) }})
{%- endfor %}
{% endtest %}
