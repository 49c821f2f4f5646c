select
    reported_forbund_id,
    forbund_id,
    respondent_group,
    svar_id,
    measurement_year,
    source_file,
    source_row
from marts.fct_submissions
