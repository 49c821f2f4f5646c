{#-
  Rolls rows summed at the finest grain (association x stated gender) up to the result cells, the
  same questionnaire counting under its own association (scope forbund) and under riket, and under
  gender alla always and under kvinna or man when the respondent gave it. Rolling sums up with
  grouping sets, instead of copying each questionnaire into every cell it counts towards and
  joining its answers to each copy, keeps the work proportional to the answers, not to answers x
  cells. Use with a source that has the columns forbund_id and gender:

      select ..., {{ scope_and_gender_columns() }}, sum(...) from fine
      {{ group_by_scope_and_gender(['measurement_year', 'respondent_group', 'question_id']) }}
-#}
{% macro scope_and_gender_columns() -%}
    case when grouping(forbund_id) = 0 then 'forbund' else 'riket' end as scope,
    forbund_id,
    case when grouping(gender) = 0 then gender else 'alla' end as gender
{%- endmacro %}

{% macro group_by_scope_and_gender(keys) -%}
    {%- set keys = keys | join(', ') -%}
    group by grouping sets (
        ({{ keys }}, forbund_id, gender),
        ({{ keys }}, forbund_id),
        ({{ keys }}, gender),
        ({{ keys }})
    )
    -- annat and unknown gender count under alla only
    having grouping(gender) = 1 or gender in ('kvinna', 'man')
{%- endmacro %}
