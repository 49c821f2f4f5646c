-- The published gender split of a row (one year x scope x association x group x question or
-- indicator) is all or nothing: kvinna and man are both published or both hidden, and neither is
-- published when alla is hidden. Otherwise one of them, or the remainder of other or unknown
-- gender, could be worked out from the others.
{%- for model, item in [('pub_indicator_results', 'question_id'), ('pub_indicator_summary', 'indicator_number::varchar')] %}
select
    '{{ model }}' as published_table,
    measurement_year, scope, forbund_id, respondent_group, {{ item }} as item,
    bool_or(gender = 'alla' and not is_suppressed) as alla_published,
    count(*) filter (where gender in ('kvinna', 'man') and not is_suppressed) as genders_published
from {{ ref(model) }}
group by all
having count(*) filter (where gender in ('kvinna', 'man') and not is_suppressed) = 1
    or (
        count(*) filter (where gender in ('kvinna', 'man') and not is_suppressed) > 0
        and not bool_or(gender = 'alla' and not is_suppressed)
    )
{{ "union all" if not loop.last }}
{%- endfor %}
