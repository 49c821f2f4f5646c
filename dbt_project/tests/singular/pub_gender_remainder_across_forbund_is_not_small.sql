-- The answers of other or unknown gender (the rest: alla - kvinna - man) are never published, but
-- they can be worked out for every row whose three cells are published, and for riket. riket's
-- rest minus the associations' worked-out rests is then the rest of the associations whose split
-- is hidden: it must not be a small group (1 to var('min_answers') - 1) in answers or in answers
-- given, in the question results or the indicator summary.
{%- for model, item in [('pub_indicator_results', 'question_id'), ('pub_indicator_summary', 'indicator_number::varchar')] %}
{%- set measures = ['n_answers', 'n_answers + n_dont_know'] %}
select * from (
    with rows as (
        select
            measurement_year, scope, forbund_id, respondent_group, {{ item }} as item,
            {%- for measure in measures %}
            max({{ measure }}) filter (where gender = 'alla')
                - max({{ measure }}) filter (where gender = 'kvinna')
                - max({{ measure }}) filter (where gender = 'man') as rest_{{ loop.index }},
            {%- endfor %}
            count(*) filter (where not is_suppressed) = 3 as is_rest_known
        from {{ ref(model) }}
        group by all
    ),

    lines as (
        select
            measurement_year, respondent_group, item,
            {%- for measure in measures %}
            max(rest_{{ loop.index }}) filter (where scope = 'riket' and is_rest_known)
                - coalesce(sum(rest_{{ loop.index }}) filter (where scope = 'forbund' and is_rest_known), 0)
                as hidden_rest_{{ loop.index }},
            {%- endfor %}
            bool_or(scope = 'riket' and is_rest_known) as is_riket_rest_known
        from rows
        group by all
    )

    select '{{ model }}' as published_table, *
    from lines
    where is_riket_rest_known
        and (
            {%- for measure in measures %}
            {{ is_small_group('hidden_rest_' ~ loop.index) }}{{ " or" if not loop.last }}
            {%- endfor %}
        )
)
{{ "union all" if not loop.last }}
{%- endfor %}
