-- Indikatorernas resultat (frågorna sammanslagna per respondentgrupp), som de publicerades, med
-- svenska texter och symbolen för dolda celler.
with summary as (
    select * from main.indicator_summary
),

rules as (
    select suppression_rule, symbol from main.suppression_rules
)

select
    summary.measurement_year,
    cast(cast(summary.measurement_year as integer) as varchar) as matar,
    make_date(cast(summary.measurement_year as integer), 10, 31) as matar_slut,
    summary.scope,
    summary.forbund_id,
    summary.forbund_name,
    summary.respondent_group,
    summary.respondent_group_label,
    summary.indicator_number,
    summary.indicator_name,
    summary.indicator_short_name,
    summary.comparability_keys,
    summary.gender,
    case summary.gender when 'kvinna' then 'Kvinnor' when 'man' then 'Män' else 'Alla' end as kon,
    summary.n_answers,
    summary.n_answering_respondents,
    summary.share_positive,
    summary.share_ci_low,
    summary.share_ci_high,
    summary.mean_score,
    summary.is_suppressed,
    summary.suppression_rule,
    summary.suppression_reason,
    rules.symbol,
    summary.forbund_rank,
    summary.forbund_count,
    coalesce(rules.symbol, replace(printf('%.0f', summary.share_positive * 100), '.', ',') || chr(160) || '%')
        as andel_text
from summary
left join rules on summary.suppression_rule = rules.suppression_rule
