with source as (
    select * from {{ source('audit', 'file_loads') }}
)

select
    load_id,
    file_name,
    file_path,
    sha256,
    status,
    file_format,
    encoding,
    forbund_ids,
    respondent_groups,
    rows_read,
    rows_loaded,
    rows_rejected,
    rows_duplicate,
    rows_attributed,
    answers_rejected,
    columns_unmatched,
    message,
    loaded_at
from source
