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
    loaded_at,
    source_tool,
    source_survey,
    personal_columns,
    refusal_cause,
    -- a refusal the same bytes were read again after (a rule had changed): history, not a
    -- refused file any more
    coalesce(
        status = 'rejected' and load_id < max(load_id) over (partition by sha256), false
    ) as is_retried
from source
