select forbund_id, forbund_name, measurement_year, files, files_loaded, files_rejected,
       files_duplicate, rows_read, rows_loaded, rows_rejected, rows_duplicate, answers_rejected,
       rows_attributed
from main.data_quality
