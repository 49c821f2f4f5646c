-- A published change must compare two published cells: the current one and the cell of
-- previous_year with the same comparability key, scope, association, group and gender.
-- Returns every published comparison that breaks this.
with results as (
    select * from {{ ref('pub_indicator_results') }}
)

select current_year.*
from results as current_year
left join results as previous
    on previous.measurement_year = current_year.previous_year
    and previous.scope = current_year.scope
    and previous.forbund_id is not distinct from current_year.forbund_id
    and previous.respondent_group = current_year.respondent_group
    and previous.comparability_key = current_year.comparability_key
    and previous.gender = current_year.gender
where (
        current_year.share_positive_change is not null
        or current_year.mean_score_change is not null
        or current_year.is_change_significant is not null
        or current_year.previous_share_positive is not null
    )
    and (
        current_year.is_suppressed
        or previous.is_suppressed is null
        or previous.is_suppressed
        or abs(current_year.share_positive - previous.share_positive
            - current_year.share_positive_change) > 1e-9
    )
