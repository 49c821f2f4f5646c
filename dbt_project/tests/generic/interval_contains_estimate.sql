{#- Fails where an interval is inverted or does not contain its estimate (tolerance 1e-9 for
    rounding), or where only one end of the interval is set. -#}
{% test interval_contains_estimate(model, estimate, low, high) %}
select {{ estimate }}, {{ low }}, {{ high }}
from {{ model }}
where ({{ low }} is null) <> ({{ high }} is null)
    or {{ low }} > {{ estimate }} + 1e-9
    or {{ high }} < {{ estimate }} - 1e-9
{% endtest %}
