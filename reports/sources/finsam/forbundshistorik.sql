-- Förbundens historik med föregångarnas år före en sammanslagning (bara föregångarnas rader: ett
-- förbunds egna rader finns i indikatorresultat). Evidence skriver ingen datafil för en fråga utan
-- rader och bygget avbryts då; utan sammanslagningar ger frågan en tom platshållarrad.
with history as (
    select * from main.forbund_history where is_predecessor_result and gender = 'alla'
),

rules as (
    select suppression_rule, symbol from main.suppression_rules
)

select
    history.forbund_id,
    history.reported_by_forbund_id,
    history.reported_by_forbund_name,
    cast(cast(history.measurement_year as integer) as varchar) as matar,
    history.measurement_year,
    history.respondent_group,
    history.indicator_number,
    history.question_id,
    history.share_positive,
    coalesce(rules.symbol, replace(printf('%.0f', history.share_positive * 100), '.', ',') || chr(160) || '%')
        as andel_text
from history
left join rules on history.suppression_rule = rules.suppression_rule
union all
select null, null, null, null, null, null, null, null, null, null
where not exists (select 1 from history)
