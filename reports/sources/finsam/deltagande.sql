-- Förbund och enkäter per mätår och respondentgrupp ('alla' = alla enkäter).
select
    measurement_year,
    cast(cast(measurement_year as integer) as varchar) as matar,
    respondent_group,
    respondent_group_label,
    sort_order,
    n_forbund,
    n_submissions
from main.participation
