-- Förbund att lära av: förbund vars resultat (indikatorns frågor sammanslagna, alla svarande)
-- ligger säkert över rikets andel det senaste mätåret, och hur många år i följd, ur lagret.
select
    respondent_group,
    respondent_group_label,
    indicator_number,
    indicator_name,
    indicator_short_name,
    forbund_id,
    forbund_name,
    latest_year,
    cast(cast(latest_year as integer) as varchar) as senaste_ar,
    n_answers,
    share_positive,
    share_ci_low,
    national_share,
    years_above_in_a_row,
    is_to_learn_from,
    replace(printf('%.0f', share_positive * 100), '.', ',') || chr(160) || '%' as andel_text,
    replace(printf('%.0f', share_ci_low * 100), '.', ',') || '–'
        || replace(printf('%.0f', share_ci_high * 100), '.', ',') || chr(160) || '%' as intervall_text,
    replace(printf('%.0f', national_share * 100), '.', ',') || chr(160) || '%' as riket_text,
    '/forbund/' || forbund_id || '/' as lank
from main.forbund_to_learn_from
