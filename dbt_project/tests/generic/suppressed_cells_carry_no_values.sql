{#- Fails on any suppressed cell of a published table that still carries a value. -#}
{% test suppressed_cells_carry_no_values(model) %}
select *
from {{ model }}
where is_suppressed
    and (n_answers is not null or mean_score is not null or share_positive is not null)
{% endtest %}
