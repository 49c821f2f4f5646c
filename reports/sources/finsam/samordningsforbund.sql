select forbund_id, forbund_name, county, is_active, successor_id, successor_name
from main.forbund
