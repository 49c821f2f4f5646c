select
    s.load_id,
    s.source_file,
    s.source_row,
    s.forbund_id,
    s.respondent_group,
    s.svar_id,
    s.submitted_at,
    s.measurement_year,
    s.gender,
    case
        when month(submitted_at) >= 11 then year(submitted_at) + 1
        else year(submitted_at)
    end as derived_measurement_year
from raw.submissions as s
