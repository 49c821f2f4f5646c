{#-
  Like dbt_utils.unique_combination_of_columns, written here to avoid a package download, and in
  two steps: the rows are first grouped by a 64-bit hash of their combination, a narrow key (at 25
  million answers, grouping by submission_key's text and the question held more memory than any
  model of the build), then only the combinations whose hash repeats are grouped by their values.
  Equal combinations have equal hashes, so the failing rows are those of grouping by the columns
  at once; two different combinations that share a hash only cost the second step a little more.
-#}
{% test unique_combination_of_columns(model, columns) %}
with repeated_hashes as (
    select hash({{ columns | join(', ') }}) as combination_hash
    from {{ model }}
    group by combination_hash
    having count(*) > 1
)

select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
where hash({{ columns | join(', ') }}) in (select combination_hash from repeated_hashes)
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
