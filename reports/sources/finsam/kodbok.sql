select table_name, column_order, column_name, data_type, description_sv
from main.codebook
