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
    summary.forbund_rank_low,
    summary.forbund_rank_high,
    -- platsen som osäkerheten medger, aldrig en ensam plats: "3–12 av 22" (en plats när de möts)
    case when summary.forbund_rank_low is not null then
        cast(summary.forbund_rank_low as integer)
        || case when summary.forbund_rank_high > summary.forbund_rank_low
            then '–' || cast(summary.forbund_rank_high as integer) else '' end
        || ' av ' || cast(summary.forbund_count as integer)
    end as plats_text,
    -- 95 %-intervallet för andelen: "61–79 %"
    case when summary.share_ci_low is not null then
        replace(printf('%.0f', summary.share_ci_low * 100), '.', ',') || '–' || replace(printf('%.0f', summary.share_ci_high * 100), '.', ',') || chr(160) || '%'
    else '' end as intervall_text,
    coalesce(rules.symbol, replace(printf('%.0f', summary.share_positive * 100), '.', ',') || chr(160) || '%')
        as andel_text
from summary
left join rules on summary.suppression_rule = rules.suppression_rule
