-- Resultat per mätår, nivå (riket/förbund), respondentgrupp, indikator, fråga och kön.
-- Undertryckta celler har n_answers/mean_score/share_positive = null; suppression_reason säger varför.
select
    measurement_year,
    scope,
    forbund_id,
    forbund_name,
    respondent_group,
    respondent_group_label,
    indicator_number,
    indicator_name,
    question_id,
    question_text,
    gender,
    n_answers,
    mean_score,
    share_positive,
    is_suppressed,
    suppression_rule,
    suppression_reason
from main.indicator_results
