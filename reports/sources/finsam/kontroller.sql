select check_name, asset_key, check_source, severity, passed, unexpected_count, checked_at
from main.check_outcomes
