with source as (
    select * from {{ source('audit', 'attributed_records') }}
)

select
    load_id,
    file_name,
    row_number as source_row,
    svar_id,
    respondent_group,
    measurement_year::integer as measurement_year,
    reported_forbund_id,
    forbund_id,
    merged_year::integer as merged_year,
    reason
from source
