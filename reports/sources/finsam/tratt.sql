-- Trattdiagrammens punkter: varje förbund med redovisat resultat, dess andel positiva mot rikets vid
-- förbundets eget antal svar, med kontrollgränserna och flaggan ur lagret. Texterna är bara talen
-- skrivna på svenska.
select
    measurement_year,
    cast(cast(measurement_year as integer) as varchar) as matar,
    respondent_group,
    respondent_group_label,
    indicator_number,
    question_id,
    forbund_id,
    forbund_name,
    n_answers,
    share_positive,
    share_ci_low,
    share_ci_high,
    national_share,
    limit_95_low,
    limit_95_high,
    limit_998_low,
    limit_998_high,
    is_overdispersed,
    funnel_flag_95,
    funnel_flag_998,
    replace(printf('%.0f', share_positive * 100), '.', ',') || chr(160) || '%' as andel_text,
    replace(printf('%.0f', share_ci_low * 100), '.', ',') || '–'
        || replace(printf('%.0f', share_ci_high * 100), '.', ',') || chr(160) || '%' as intervall_text,
    coalesce(funnel_flag_998, funnel_flag_95, 'inom gränserna') as lage,
    case
        when funnel_flag_998 is not null then funnel_flag_998 || ' (99,8 %)'
        when funnel_flag_95 is not null then funnel_flag_95 || ' (95 %)'
        else 'inom gränserna'
    end as lage_text
from main.funnel
