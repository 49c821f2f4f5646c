-- Disclosure check on the published question results: where kvinna and man are published, each
-- has at least var('min_answers') answers and so does the remainder (alla - kvinna - man, when
-- not 0 and suppress_small_gender_remainder is on). Any published cell reaches the threshold.
{%- set min_answers = var('min_answers') %}
with results as (
    select * from {{ ref('pub_indicator_results') }}
),

splits as (
    select
        measurement_year, scope, forbund_id, respondent_group, question_id,
        max(n_answers) filter (where gender = 'alla') as n_alla,
        max(n_answers) filter (where gender = 'kvinna') as n_kvinna,
        max(n_answers) filter (where gender = 'man') as n_man,
        count(*) filter (where gender in ('kvinna', 'man') and not is_suppressed) as n_published_genders
    from results
    group by all
)

select *
from splits
where n_published_genders = 1
    or (n_published_genders = 2 and (
        n_kvinna < {{ min_answers }}
        or n_man < {{ min_answers }}
        {%- if var('suppress_small_gender_remainder', true) %}
        or n_alla - n_kvinna - n_man between 1 and {{ min_answers - 1 }}
        {%- endif %}
    ))
union all
select measurement_year, scope, forbund_id, respondent_group, question_id,
    n_answers, null, null, null
from results
where not is_suppressed and n_answers < {{ min_answers }}
