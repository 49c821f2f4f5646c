{#- The nation's count is the sum of its associations' counts: for every line (one combination of
    line_columns) that has both a national row (part_column = total_value) and association rows,
    `measure` of the national row equals the sum over the others. Fails on every line where it does
    not: a national total built from other questionnaires than the associations' results. Lines
    with only one side are not compared. Moved from the GX suite of fct_indicator_results (a
    check of one table's own rows is a dbt test; the check keeps its name). -#}
{% test national_equals_sum_of_associations(model, part_column, total_value, line_columns, measure) %}
with lines as (
    select
        {{ line_columns | join(',\n        ') }},
        sum({{ measure }}) filter (where {{ part_column }} <> '{{ total_value }}') as sum_of_associations,
        max({{ measure }}) filter (where {{ part_column }} = '{{ total_value }}') as national
    from {{ model }}
    group by all
)

select *
from lines
where sum_of_associations <> national
{% endtest %}
