-- Skillnaden kvinnor minus män där båda resultaten redovisas, med 95 %-intervall och test ur
-- lagret. Texterna är talen skrivna på svenska, i procentenheter.
select
    measurement_year,
    cast(cast(measurement_year as integer) as varchar) as matar,
    scope,
    forbund_id,
    forbund_name,
    respondent_group,
    respondent_group_label,
    indicator_number,
    question_id,
    question_text,
    women_share_positive,
    men_share_positive,
    share_difference,
    share_difference_ci_low,
    share_difference_ci_high,
    share_p_value,
    is_share_difference_significant,
    mean_difference,
    mean_difference_ci_low,
    mean_difference_ci_high,
    is_mean_difference_significant,
    replace(printf('%+.0f', share_difference * 100), '.', ',')
        || case when is_share_difference_significant then ' *' else '' end as skillnad_text,
    '(' || replace(printf('%+.0f', share_difference_ci_low * 100), '.', ',') || ' till '
        || replace(printf('%+.0f', share_difference_ci_high * 100), '.', ',') || ')'
        as skillnad_intervall_text,
    replace(printf('%+.1f', mean_difference), '.', ',')
        || case when is_mean_difference_significant then ' *' else '' end as medel_skillnad_text
from main.gender_differences
