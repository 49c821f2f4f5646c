select
    question_id,
    respondent_group,
    indicator_number,
    question_text,
    first_year,
    last_year,
    comparability_key,
    illustrative,
    sort_order
from {{ ref('dim_question') }}
