select indicator_number, indicator_name, theme, is_survey_measured
from main.indicators
