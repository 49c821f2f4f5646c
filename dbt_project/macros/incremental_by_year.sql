{#-
  Models built incrementally by measurement year. The rows of a year depend only on that year's
  current questionnaires (and on the project's code and seeds: orchestration/defs/transform.py runs
  `dbt build --full-refresh` whenever those changed since the last build). Such a model carries
  the year's fingerprint from int_submissions__year_versions in a column year_version and is
  configured as

      {{ config(materialized='incremental', incremental_strategy='append',
                pre_hook="{{ delete_changed_years() }}") }}

  The pre-hook deletes the years whose fingerprint changed or that have no questionnaires left;
  the model's select then filters its source to `measurement_year in ({{ years_to_build() }})`:
  every year on the first build or a full refresh, afterwards just the years the hook deleted
  and new ones.
-#}
{% macro delete_changed_years() -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    where year_version not in (
        select year_version from {{ ref('int_submissions__year_versions') }}
    )
    {%- endif -%}
{%- endmacro %}

{% macro years_to_build() -%}
    select measurement_year from {{ ref('int_submissions__year_versions') }}
    {%- if is_incremental() %}
    where year_version not in (select distinct year_version from {{ this }})
    {%- endif %}
{%- endmacro %}
