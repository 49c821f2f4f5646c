-- Svarsfördelningen i riket (varje svarsalternativ), som den publicerades.
select
    measurement_year,
    cast(cast(measurement_year as integer) as varchar) as matar,
    respondent_group,
    question_id,
    gender,
    answer_label,
    option_order,
    is_dont_know,
    is_positive,
    n_answers,
    share_of_all_answers,
    is_suppressed
from main.answer_distribution
where scope = 'riket'
