{#- Disclosure check on a published table: for every line (one combination of line_columns) whose
    total row (part_column = total_value) is published, the total minus the published parts is
    the sum of the hidden parts, which anyone can work out. Fails on every line where that
    remainder is a small group (1 to var('min_answers') - 1) in any of the measures (expressions
    over the table's columns, e.g. 'n_answers + n_dont_know'). -#}
{% test no_small_remainder(model, part_column, total_value, line_columns, measures) %}
with lines as (
    select
        {{ line_columns | join(',\n        ') }},
        {%- for measure in measures %}
        max({{ measure }}) filter (where {{ part_column }} = '{{ total_value }}' and not is_suppressed)
            as total_{{ loop.index }},
        coalesce(sum({{ measure }}) filter (
            where {{ part_column }} <> '{{ total_value }}' and not is_suppressed), 0) as parts_{{ loop.index }},
        {%- endfor %}
        bool_or({{ part_column }} = '{{ total_value }}' and not is_suppressed) as is_total_published
    from {{ model }}
    group by all
)

select *
from lines
where is_total_published
    and (
        {%- for measure in measures %}
        {{ is_small_group('total_' ~ loop.index ~ ' - parts_' ~ loop.index) }}
        {{- " or" if not loop.last }}
        {%- endfor %}
    )
{% endtest %}
