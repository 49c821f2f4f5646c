{#- Disclosure control, stated once. Every model that decides or explains whether a cell may be
    published calls these macros; docs/marts.md ("Disclosure control") describes the rules.

    m = var('min_answers'). Two measures of a cell are protected: its substantive answers
    (n_answers) and all answers given (n_answers + n_dont_know), so that neither a small group's
    scores nor its "Vet ej" answers can be worked out. -#}

{#- Rule 1, the threshold: too few substantive answers to publish. -#}
{% macro is_below_threshold(n_answers) -%}
    ({{ n_answers }} < {{ var('min_answers') }})
{%- endmacro %}

{#- A count that must never be derivable from published cells: 1 to m - 1. Zero reveals nothing
    and m or more may be published. -#}
{% macro is_small_group(count) -%}
    (({{ count }}) between 1 and {{ (var('min_answers') | int) - 1 }})
{%- endmacro %}

{#- Rule 2, the gender complement, for one row (one year x scope x association x group x question
    or indicator): the split into kvinna and man is published only when both reach the threshold
    and, with var('suppress_small_gender_remainder'), the remainder of other or unknown gender
    (alla - kvinna - man) is not a small group in either measure. Arguments are prefixes of
    columns holding each gender's answers and "Vet ej" answers: '<prefix>_answers' and
    '<prefix>_dont_know'. -#}
{% macro is_gender_split_blocked(alla, kvinna, man) -%}
    (
        {{ is_below_threshold('coalesce(' ~ kvinna ~ '_answers, 0)') }}
        or {{ is_below_threshold('coalesce(' ~ man ~ '_answers, 0)') }}
    {%- if var('suppress_small_gender_remainder', true) %}
        or {{ is_small_group(
            'coalesce(' ~ alla ~ '_answers, 0) - coalesce(' ~ kvinna ~ '_answers, 0) - coalesce('
            ~ man ~ '_answers, 0)') }}
        or {{ is_small_group(
            'coalesce(' ~ alla ~ '_answers + ' ~ alla ~ '_dont_know, 0)'
            ~ ' - coalesce(' ~ kvinna ~ '_answers + ' ~ kvinna ~ '_dont_know, 0)'
            ~ ' - coalesce(' ~ man ~ '_answers + ' ~ man ~ '_dont_know, 0)') }}
    {%- endif %}
    )
{%- endmacro %}

{#- The Swedish sentence published with a suppressed cell, by rule. -#}
{% macro suppression_reason(rule) -%}
    case {{ rule }}
        when 'threshold' then 'Alltför få svar inkomna för att kunna redovisas'
        when 'gender_complement'
            then 'Redovisas inte: en uppdelning på kvinnor och män skulle röja en grupp med alltför få svar'
        when 'secondary'
            then 'Redovisas inte: annars skulle ett dolt resultat med alltför få svar kunna räknas fram'
    end
{%- endmacro %}

{#- The rules in the order a cell's reason is chosen when more than one applies. -#}
{% macro suppression_rules() -%}
    {{ return(['threshold', 'gender_complement', 'secondary']) }}
{%- endmacro %}

{#- A value as the published layer shows it: null in a suppressed row. -#}
{% macro unless_suppressed(column, suppressed='is_suppressed') -%}
    case when not {{ suppressed }} then {{ column }} end
{%- endmacro %}

{#- Columns as the published layer shows them, `<column> as <column>` for each name in `columns`:
    null in a suppressed row. `relation` qualifies the columns and the row's is_suppressed. -#}
{% macro unless_suppressed_columns(columns, relation=none) -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- for column in columns %}
        {{ unless_suppressed(prefix ~ column, prefix ~ 'is_suppressed') }} as {{ column }}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
