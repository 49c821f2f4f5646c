-- The codebook of the published snapshot: every table and column with its type and a Swedish
-- description (seeds/codebook_sv.csv: a table-specific description wins over the one for the
-- column name in any table). Built after every other published model, from the warehouse's own
-- catalogue, so a column added later appears here at once; the test
-- codebook_describes_every_published_column fails until it has a description.
-- depends_on: {{ ref('pub_indicator_results') }}
-- depends_on: {{ ref('pub_indicator_summary') }}
-- depends_on: {{ ref('pub_answer_distribution') }}
-- depends_on: {{ ref('pub_forbund_history') }}
-- depends_on: {{ ref('pub_participation') }}
-- depends_on: {{ ref('pub_submission_counts') }}
-- depends_on: {{ ref('pub_forbund_attributions') }}
-- depends_on: {{ ref('pub_data_quality') }}
-- depends_on: {{ ref('pub_check_outcomes') }}
-- depends_on: {{ ref('pub_suppression_rules') }}
-- depends_on: {{ ref('pub_indicators') }}
-- depends_on: {{ ref('pub_questions') }}
-- depends_on: {{ ref('pub_respondent_groups') }}
-- depends_on: {{ ref('pub_forbund') }}
-- depends_on: {{ ref('pub_gender_differences') }}
-- depends_on: {{ ref('pub_gender_difference_counts') }}
-- depends_on: {{ ref('pub_funnel') }}
-- depends_on: {{ ref('pub_funnel_limits') }}
-- depends_on: {{ ref('pub_forbund_to_learn_from') }}
with columns as (
    select
        table_name,
        column_name,
        data_type,
        ordinal_position
    from information_schema.columns
    where table_catalog = '{{ this.database }}'
        and table_schema = '{{ this.schema }}'
        and table_name not like '{{ this.identifier }}%'
),

descriptions as (
    select * from {{ ref('codebook_sv') }}
),

final as (
    select
        columns.table_name,
        columns.ordinal_position::integer as column_order,
        columns.column_name,
        lower(columns.data_type) as data_type,
        coalesce(for_table.description_sv, for_any_table.description_sv) as description_sv,
        table_descriptions.description_sv as table_description_sv
    from columns
    left join descriptions as for_table
        on for_table.table_name = columns.table_name
        and for_table.column_name = columns.column_name
    left join descriptions as for_any_table
        on for_any_table.table_name is null
        and for_any_table.column_name = columns.column_name
    left join descriptions as table_descriptions
        on table_descriptions.table_name = columns.table_name
        and table_descriptions.column_name is null
)

select * from final
