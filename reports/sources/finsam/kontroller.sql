-- Kvalitetskontrollerna i den körning som publicerade sajten (GX och dbt).
select check_name, asset_key, check_source, severity, passed, unexpected_count, checked_at, run_id
from main.check_outcomes
