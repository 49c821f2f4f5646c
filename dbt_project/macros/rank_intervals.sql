{#- Where each published association cell may rank among the published association cells of the
    same year, group, item and gender, given the uncertainty: a rank interval by pairwise
    comparison. Association a is credibly above b when the lower end of Newcombe's 95 % interval
    of share_a - share_b (macros/statistics.sql) is above 0. Then
      rank_low  = 1 + (associations credibly above a),
      rank_high = (published associations) - (associations a is credibly above).
    `cells` is a relation of published association cells with measurement_year,
    respondent_group, the item column, gender, forbund_id, share_positive and the sample size
    column `n` (answers, or the effective sample size of a pooled indicator). The macro writes
    common table expressions ending in a select: call it after a model's own `with ... ,`. -#}
{% macro rank_intervals(cells, item, n) -%}
cells as (
    select
        measurement_year,
        respondent_group,
        {{ item }} as item,
        gender,
        forbund_id,
        {{ n }} as n,
        share_positive
    from {{ cells }}
),

pairs as (
    select
        this.measurement_year,
        this.respondent_group,
        this.item,
        this.gender,
        this.forbund_id,
        {{ newcombe_bound('this.share_positive', 'this.n', 'other.share_positive', 'other.n',
            'low') }} > 0 as is_above_other,
        {{ newcombe_bound('this.share_positive', 'this.n', 'other.share_positive', 'other.n',
            'high') }} < 0 as is_below_other
    from cells as this
    inner join cells as other
        on this.measurement_year = other.measurement_year
        and this.respondent_group = other.respondent_group
        and this.item = other.item
        and this.gender = other.gender
        and this.forbund_id <> other.forbund_id
),

counted as (
    select
        measurement_year,
        respondent_group,
        item,
        gender,
        forbund_id,
        count(*) filter (where is_above_other) as n_credibly_below,
        count(*) filter (where is_below_other) as n_credibly_above
    from pairs
    group by all
),

final as (
    select
        cells.measurement_year,
        cells.respondent_group,
        cells.item as {{ item }},
        cells.gender,
        cells.forbund_id,
        (count(*) over cube)::integer as n_forbund,
        (1 + coalesce(counted.n_credibly_above, 0))::integer as rank_low,
        (count(*) over cube - coalesce(counted.n_credibly_below, 0))::integer as rank_high
    from cells
    left join counted
        on cells.measurement_year = counted.measurement_year
        and cells.respondent_group = counted.respondent_group
        and cells.item = counted.item
        and cells.gender = counted.gender
        and cells.forbund_id = counted.forbund_id
    window cube as (
        partition by cells.measurement_year, cells.respondent_group, cells.item, cells.gender
    )
)

select * from final
{%- endmacro %}


{#- A published table's rows (the common table expression `rows`) with the places of its
    published association cells among all published association cells of the same year, group,
    item and gender: forbund_rank (1 = the highest share positive, ties share a place) and
    forbund_count, and the range of places the uncertainty allows from `ranks_model`, joined on
    the item column (the site shows this range, never the bare forbund_rank). Writes common table
    expressions ending in a select. -#}
{% macro with_forbund_ranks(rows, ranks_model, item) -%}
positioned as (
    select
        *,
        case when scope = 'forbund' and not is_suppressed then rank() over ranking end::integer
            as forbund_rank,
        case when scope = 'forbund' and not is_suppressed then count(*) over ranking end::integer
            as forbund_count
    from {{ rows }}
    window ranking as (
        partition by
            measurement_year, respondent_group, {{ item }}, gender,
            scope = 'forbund' and not is_suppressed
        order by share_positive desc
        range between unbounded preceding and unbounded following
    )
),

ranks as (
    select * from {{ ref(ranks_model) }}
),

ranged as (
    -- the published association cells' own condition is in the select, not in the join's ON:
    -- a condition on one side only turned DuckDB's hash join into a nested loop (2.7 s of
    -- CPU for 37,500 rows at demo scale 10)
    select
        positioned.*,
        case when positioned.scope = 'forbund' and not positioned.is_suppressed
            then ranks.rank_low end as forbund_rank_low,
        case when positioned.scope = 'forbund' and not positioned.is_suppressed
            then ranks.rank_high end as forbund_rank_high
    from positioned
    left join ranks
        on positioned.measurement_year = ranks.measurement_year
        and positioned.respondent_group = ranks.respondent_group
        and positioned.{{ item }} = ranks.{{ item }}
        and positioned.gender = ranks.gender
        and positioned.forbund_id = ranks.forbund_id
)

select * from ranged
{%- endmacro %}
