select measurement_year, forbund_id, forbund_name, respondent_group, n_submissions
from main.submission_counts
