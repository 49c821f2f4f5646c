-- Kvalitetskontrollerna i den körning som publicerade sajten (GX och dbt), med svenska namn och
-- vad de skyddar; det tekniska namnet och körningen finns kvar för den som vill se dem.
select check_name, asset_key, check_source, severity, passed, unexpected_count, checked_at, run_id,
       check_name_sv, protects_sv, table_sv, check_group, check_group_sv, check_group_order,
       outcome_sv, check_kind
from main.check_outcomes
