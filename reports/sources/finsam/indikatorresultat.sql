-- Resultat per mätår, nivå (riket/förbund), respondentgrupp, fråga och kön, som de publicerades.
-- Dolda celler har inga värden; suppression_rule och suppression_reason säger varför. Texterna
-- *_text är samma tal skrivna som på svenska (3 850; 7,5; 72 %) och visar regelns symbol i en dold
-- cell, så att sidorna inte behöver formatera själva. Ingen statistik räknas här.
with results as (
    select * from main.indicator_results
),

rules as (
    select suppression_rule, symbol from main.suppression_rules
)

select
    results.measurement_year,
    cast(cast(results.measurement_year as integer) as varchar) as matar,
    results.scope,
    results.forbund_id,
    results.forbund_name,
    results.respondent_group,
    results.respondent_group_label,
    results.indicator_number,
    results.indicator_name,
    results.question_id,
    results.question_text,
    results.comparability_key,
    results.gender,
    case results.gender when 'kvinna' then 'Kvinnor' when 'man' then 'Män' else 'Alla' end as kon,
    results.n_answers,
    results.n_dont_know,
    results.mean_score,
    results.mean_ci_low,
    results.mean_ci_high,
    results.share_positive,
    results.share_ci_low,
    results.share_ci_high,
    results.is_suppressed,
    results.suppression_rule,
    results.suppression_reason,
    rules.symbol,
    results.previous_year,
    results.share_positive_change,
    results.mean_score_change,
    results.is_change_significant,
    results.share_change_p_value,
    results.is_mean_change_significant,
    results.comparison_note,
    results.like_for_like_n_forbund,
    results.like_for_like_share_change,
    results.like_for_like_is_change_significant,
    results.forbund_rank,
    results.forbund_count,
    results.forbund_rank_low,
    results.forbund_rank_high,
    -- platsen som osäkerheten medger, aldrig en ensam plats: "3–12 av 22" (en plats när de möts)
    case when results.forbund_rank_low is not null then
        cast(results.forbund_rank_low as integer)
        || case when results.forbund_rank_high > results.forbund_rank_low
            then '–' || cast(results.forbund_rank_high as integer) else '' end
        || ' av ' || cast(results.forbund_count as integer)
    end as plats_text,
    -- 95 %-intervallet för andelen: "61–79 %"
    case when results.share_ci_low is not null then
        replace(printf('%.0f', results.share_ci_low * 100), '.', ',') || '–' || replace(printf('%.0f', results.share_ci_high * 100), '.', ',') || chr(160) || '%'
    else '' end as intervall_text,
    case when results.mean_ci_low is not null then
        replace(printf('%.1f', results.mean_ci_low), '.', ',') || '–'
        || replace(printf('%.1f', results.mean_ci_high), '.', ',')
    else '' end as medel_intervall_text,
    coalesce(rules.symbol, replace(printf('%.0f', results.share_positive * 100), '.', ',') || chr(160) || '%')
        as andel_text,
    coalesce(rules.symbol, replace(printf('%.1f', results.mean_score), '.', ',')) as medel_text,
    coalesce(rules.symbol, replace(format('{:,}', cast(results.n_answers as bigint)), ',', chr(160))) as antal_text,
    case
        when results.is_suppressed then ''
        when results.share_positive_change is null then coalesce(results.comparison_note, '')
        else printf('%+d', cast(round(results.share_positive_change * 100) as integer))
            || case when results.is_change_significant then ' *' else '' end
    end as forandring_text
from results
left join rules on results.suppression_rule = rules.suppression_rule
