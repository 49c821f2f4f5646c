select
    respondent_group,
    label_sv,
    is_participant,
    sort_order
from {{ ref('dim_respondent_group') }}
