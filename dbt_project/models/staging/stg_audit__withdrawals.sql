with source as (
    select * from {{ source('audit', 'withdrawals') }}
)

select
    withdrawal_id,
    load_id,
    file_name,
    sha256,
    questionnaires,
    reason,
    withdrawn_by,
    withdrawn_at,
    years_reloaded,
    undone_by,
    undone_at,
    undo_reason,
    undone_at is null as is_in_force
from source
