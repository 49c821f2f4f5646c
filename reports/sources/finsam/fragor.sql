select
    question_id,
    respondent_group,
    indicator_number,
    question_text,
    first_year,
    last_year,
    comparability_key,
    illustrative
from main.questions
