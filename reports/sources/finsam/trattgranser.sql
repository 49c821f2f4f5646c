-- Trattdiagrammens kontrollgränser kring rikets andel, per fråga, mätår och antal svar.
select
    measurement_year,
    respondent_group,
    question_id,
    n_answers,
    national_share,
    limit_95_low,
    limit_95_high,
    limit_998_low,
    limit_998_high,
    is_overdispersed
from main.funnel_limits
