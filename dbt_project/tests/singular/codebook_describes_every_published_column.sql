-- Every column and table of the published snapshot has a Swedish description in the codebook
-- (add it to seeds/codebook_sv.csv), and every published table is in the codebook.
select table_name, column_name, 'column without a description' as problem
from {{ ref('pub_codebook') }}
where description_sv is null or table_description_sv is null
union all
select table_name, null, 'published table missing from the codebook'
from information_schema.tables
where table_catalog = current_database()
    and table_schema = '{{ ref('pub_codebook').schema }}'
    and table_name <> '{{ ref('pub_codebook').identifier }}'
    and table_name not in (select table_name from {{ ref('pub_codebook') }})
