-- Filerna på sidan Ladda ner: varje publicerad tabell som CSV och Parquet, med kodbokens
-- beskrivning av tabellen.
select
    downloads.table_name,
    downloads.file_format,
    downloads.file_name,
    downloads.bytes,
    downloads.rows,
    tables.table_description_sv
from main.downloads as downloads
left join (
    select distinct table_name, table_description_sv from main.codebook
) as tables on downloads.table_name = tables.table_name
