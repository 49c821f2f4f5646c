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

{#- The join condition of two relations of result cells: the same year, scope, association (null
    for riket, hence `is not distinct from`), respondent group, item (question_id or
    indicator_number; none for a cell of all items) and, unless gender=false, gender. -#}
{% macro cell_key_matches(left, right, item='question_id', gender=true) -%}
    {{ left }}.measurement_year = {{ right }}.measurement_year
        and {{ left }}.scope = {{ right }}.scope
        and {{ left }}.forbund_id is not distinct from {{ right }}.forbund_id
        and {{ left }}.respondent_group = {{ right }}.respondent_group
    {%- if item %}
        and {{ left }}.{{ item }} = {{ right }}.{{ item }}
    {%- endif %}
    {%- if gender %}
        and {{ left }}.gender = {{ right }}.gender
    {%- endif %}
{%- endmacro %}

{#- The cells of `cells` grouped by their key without gender (year x scope x association x group
    x item), with their genders side by side: the substantive and "Vet ej" answers of alla, kvinna
    and man as <gender>_answers and <gender>_dont_know, the columns is_gender_split_blocked reads.
    `extra`: one more aggregate column, written as SQL. -#}
{% macro gender_splits(cells, item, extra=none) -%}
    select
        measurement_year,
        scope,
        forbund_id,
        respondent_group,
        {{ item }},
        max(n_answers) filter (where gender = 'alla') as alla_answers,
        max(n_dont_know) filter (where gender = 'alla') as alla_dont_know,
        max(n_answers) filter (where gender = 'kvinna') as kvinna_answers,
        max(n_dont_know) filter (where gender = 'kvinna') as kvinna_dont_know,
        max(n_answers) filter (where gender = 'man') as man_answers,
        max(n_dont_know) filter (where gender = 'man') as man_dont_know
    {%- if extra %},
        {{ extra }}
    {%- endif %}
    from {{ cells }}
    group by all
{%- endmacro %}
