select indicator_number, indicator_name, short_name, theme, is_survey_measured, note
from main.indicators
