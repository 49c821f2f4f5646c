select respondent_group, label_sv, sort_order
from main.respondent_groups
