select suppression_rule, symbol, suppression_reason, explanation, sort_order
from main.suppression_rules
