-- Hand-written DuckDB baseline of marts.fct_indicator_results, for scripts/bench.py: the same
-- cells computed straight from raw.submissions, raw.answers and the seed CSVs ({seeds} is replaced
-- by the seeds folder), in plain SQL, to time the dbt transform against.
--
-- Reproduced: the cells (year x scope x association x group x question x gender), their counts,
-- mean, sd, share, both 95 % intervals, the previous comparable year, the primary suppression rule
-- (threshold, gender_complement), and the change from the previous year with its tests (Fisher's
-- exact test, Welch's t-test), written here in SQL where dbt uses scipy.
-- Not reproduced: secondary suppression, which is a loop to a fixed point (the Python model
-- int_results__secondary_suppression). So a change is shown here whenever neither cell has a
-- primary rule; the mart shows it only for the subset with no secondary rule either. Left out for
-- the same reason: is_suppressed, suppression_reason, comparison_note and like_for_like_*.

create schema if not exists baseline;

-- The current version of each response: the latest file wins (int_submissions__deduplicated).
create or replace temp table current_submissions as
with submissions as (
    select
        reported_forbund_id || '|' || respondent_group || '|' || svar_id as submission_key,
        load_id,
        source_row,
        source_file,
        file_modified_at,
        forbund_id,
        respondent_group,
        measurement_year::integer as measurement_year,
        gender
    from raw.submissions
)

select * exclude (version_rank)
from (
    select
        *,
        row_number() over (
            partition by submission_key
            order by file_modified_at desc, source_file desc, load_id desc, source_row desc
        ) as version_rank
    from submissions
)
where version_rank = 1;

-- One row per cell with its counts, statistics, primary rule and previous comparable cell.
create or replace temp table question_cells as
with questions as (
    select *
    from read_csv('{seeds}/questions.csv', header = true, types = {
        'question_id': 'varchar', 'respondent_group': 'varchar', 'indicator_number': 'integer',
        'first_year': 'integer', 'last_year': 'integer', 'comparability_key': 'varchar',
        'positive_min': 'integer'
    })
),

current_answers as (
    select
        answers.reported_forbund_id || '|' || answers.respondent_group || '|' || answers.svar_id
            as submission_key,
        answers.load_id,
        answers.source_row,
        answers.question_id,
        answers.answer_value,
        answers.is_dont_know
    from raw.answers as answers
),

-- answers summed at the finest grain (association x stated gender); every cell is a sum of these
fine_answer_sums as (
    select
        submissions.measurement_year,
        submissions.forbund_id,
        submissions.respondent_group,
        submissions.gender,
        current_answers.question_id,
        count(current_answers.answer_value) as n_answers,
        count(*) filter (where current_answers.is_dont_know) as n_dont_know,
        count(*) filter (where current_answers.answer_value >= questions.positive_min)
            as n_positive,
        sum(current_answers.answer_value) as sum_score,
        sum(current_answers.answer_value * current_answers.answer_value) as sum_score_squares
    from current_answers
    inner join current_submissions as submissions
        on current_answers.submission_key = submissions.submission_key
        and current_answers.load_id = submissions.load_id
        and current_answers.source_row = submissions.source_row
    inner join questions on current_answers.question_id = questions.question_id
    group by all
),

fine_respondents as (
    select
        measurement_year,
        forbund_id,
        respondent_group,
        gender,
        count(*) as n_respondents
    from current_submissions
    group by all
),

-- rolled up to the scopes (association, riket) and genders (alla; kvinna and man as stated)
answer_stats as (
    select
        measurement_year,
        case when grouping(forbund_id) = 0 then 'forbund' else 'riket' end as scope,
        forbund_id,
        respondent_group,
        case when grouping(gender) = 0 then gender else 'alla' end as gender,
        question_id,
        sum(n_answers) as n_answers,
        sum(n_dont_know) as n_dont_know,
        sum(n_positive) as n_positive,
        sum(sum_score)::bigint as sum_score,
        sum(sum_score_squares)::bigint as sum_score_squares
    from fine_answer_sums
    group by grouping sets (
        (measurement_year, forbund_id, respondent_group, gender, question_id),
        (measurement_year, forbund_id, respondent_group, question_id),
        (measurement_year, respondent_group, gender, question_id),
        (measurement_year, respondent_group, question_id)
    )
    having grouping(gender) = 1 or gender in ('kvinna', 'man')
),

respondent_counts as (
    select
        measurement_year,
        case when grouping(forbund_id) = 0 then 'forbund' else 'riket' end as scope,
        forbund_id,
        respondent_group,
        case when grouping(gender) = 0 then gender else 'alla' end as gender,
        sum(n_respondents) as n_respondents
    from fine_respondents
    group by grouping sets (
        (measurement_year, forbund_id, respondent_group, gender),
        (measurement_year, forbund_id, respondent_group),
        (measurement_year, respondent_group, gender),
        (measurement_year, respondent_group)
    )
    having grouping(gender) = 1 or gender in ('kvinna', 'man')
),

-- every question asked of a group in a year in which the scope returned a questionnaire of it
cells as (
    select
        populated_groups.measurement_year,
        populated_groups.scope,
        populated_groups.forbund_id,
        populated_groups.respondent_group,
        genders.gender,
        questions.question_id,
        questions.indicator_number,
        questions.comparability_key
    from (
        select distinct measurement_year, scope, forbund_id, respondent_group
        from respondent_counts
    ) as populated_groups
    cross join (values ('alla'), ('kvinna'), ('man')) as genders (gender)
    inner join questions
        on populated_groups.respondent_group = questions.respondent_group
        and populated_groups.measurement_year >= questions.first_year
        and populated_groups.measurement_year <= coalesce(questions.last_year, 9999)
),

cell_stats as (
    select
        cells.*,
        coalesce(respondent_counts.n_respondents, 0)::integer as n_respondents,
        coalesce(answer_stats.n_answers, 0)::integer as n_answers,
        coalesce(answer_stats.n_dont_know, 0)::integer as n_dont_know,
        coalesce(answer_stats.n_positive, 0)::integer as n_positive,
        (answer_stats.sum_score / nullif(answer_stats.n_answers, 0))::double as mean_score,
        sqrt(
            (answer_stats.n_answers * answer_stats.sum_score_squares::hugeint
                - answer_stats.sum_score::hugeint * answer_stats.sum_score)::double
            / nullif(answer_stats.n_answers::bigint * (answer_stats.n_answers - 1), 0)
        )::double as sd_score,
        (answer_stats.n_positive / nullif(answer_stats.n_answers, 0))::double as share_positive
    from cells
    left join respondent_counts
        on cells.measurement_year = respondent_counts.measurement_year
        and cells.scope = respondent_counts.scope
        and cells.forbund_id is not distinct from respondent_counts.forbund_id
        and cells.respondent_group = respondent_counts.respondent_group
        and cells.gender = respondent_counts.gender
    left join answer_stats
        on cells.measurement_year = answer_stats.measurement_year
        and cells.scope = answer_stats.scope
        and cells.forbund_id is not distinct from answer_stats.forbund_id
        and cells.respondent_group = answer_stats.respondent_group
        and cells.gender = answer_stats.gender
        and cells.question_id = answer_stats.question_id
),

-- primary suppression (macros/disclosure.sql, min_answers 5, small gender remainder suppressed):
-- kvinna and man are hidden together when either is below 5 or the rest of alla is 1 to 4
gender_splits as (
    select
        *,
        max(n_answers) filter (where gender = 'alla') over split as alla_answers,
        max(n_answers + n_dont_know) filter (where gender = 'alla') over split as alla_given,
        max(n_answers) filter (where gender = 'kvinna') over split as kvinna_answers,
        max(n_answers + n_dont_know) filter (where gender = 'kvinna') over split as kvinna_given,
        max(n_answers) filter (where gender = 'man') over split as man_answers,
        max(n_answers + n_dont_know) filter (where gender = 'man') over split as man_given
    from cell_stats
    window split as (
        partition by measurement_year, scope, forbund_id, respondent_group, question_id
    )
),

primary_rules as (
    select
        * exclude (alla_answers, alla_given, kvinna_answers, kvinna_given, man_answers, man_given),
        case
            when n_answers < 5 then 'threshold'
            when gender in ('kvinna', 'man') and (
                coalesce(kvinna_answers, 0) < 5
                or coalesce(man_answers, 0) < 5
                or coalesce(alla_answers, 0) - coalesce(kvinna_answers, 0)
                    - coalesce(man_answers, 0) between 1 and 4
                or coalesce(alla_given, 0) - coalesce(kvinna_given, 0)
                    - coalesce(man_given, 0) between 1 and 4
            ) then 'gender_complement'
        end as primary_suppression_rule
    from gender_splits
)

-- the latest earlier cell of the same comparability key in the same scope, group and gender
select
    *,
    lag(measurement_year) over comparable as previous_year,
    lag(n_answers) over comparable as prev_n_answers,
    lag(n_positive) over comparable as prev_n_positive,
    lag(mean_score) over comparable as prev_mean_score,
    lag(sd_score) over comparable as prev_sd_score,
    lag(share_positive) over comparable as prev_share_positive,
    lag(primary_suppression_rule) over comparable as prev_primary_suppression_rule
from primary_rules
window comparable as (
    partition by scope, forbund_id, respondent_group, gender, comparability_key
    order by measurement_year
);

-- The cells whose change is tested: a previous cell, and no primary rule in either year.
create or replace temp table compared_cells as
select
    measurement_year,
    scope,
    forbund_id,
    respondent_group,
    question_id,
    gender,
    n_answers as n1,
    n_positive as x1,
    mean_score as mean1,
    coalesce(sd_score, 0) as sd1,
    prev_n_answers as n0,
    prev_n_positive as x0,
    prev_mean_score as mean0,
    coalesce(prev_sd_score, 0) as sd0
from question_cells
where previous_year is not null
    and primary_suppression_rule is null
    and prev_primary_suppression_rule is null;

-- Fisher's exact test, two-sided: the probability of every table with the same margins that is
-- no more likely than the observed one. Ties count within a relative 1e-7 (scipy: 1e-14, but its
-- probabilities are not from lgamma; mirror tables of equal n must tie). x positives this year is
-- hypergeometric; its log weight is, up to a constant, -neg_log_weight. Only x within
-- sqrt(17 m) of the mode is summed (m the smallest margin): by Hoeffding's bound the rest weigh
-- below 1e-14 together. The observed x is always included.
create or replace temp table fisher_tests as
with fisher_inputs as (
    select
        *,
        x1 + x0 as k,
        floor((x1 + x0 + 1)::bigint * (n1 + 1) / (n1 + n0 + 2))::bigint as mode,
        ceil(sqrt(17 * least(n1, n0, x1 + x0, n1 + n0 - x1 - x0)))::bigint + 1 as half_width
    from compared_cells
),

fisher_windows as (
    select
        *,
        greatest(0, k - n0, mode - half_width) as first_x,
        least(k, n1, mode + half_width) as last_x
    from fisher_inputs
),

support as (
    select
        fisher_windows.*,
        support.x
    from fisher_windows, range(fisher_windows.first_x, fisher_windows.last_x + 1) as support (x)
    union all
    select
        *,
        x1 as x
    from fisher_windows
    where x1 not between first_x and last_x
),

weighted as (
    select
        *,
        lgamma(x + 1) + lgamma(n1 - x + 1) + lgamma(k - x + 1) + lgamma(n0 - k + x + 1)
            as neg_log_weight
    from support
),

relative as (
    select
        *,
        exp(min(neg_log_weight) over cell - neg_log_weight) as weight,
        max(neg_log_weight) filter (where x = x1) over cell as observed_neg_log_weight
    from weighted
    window cell as (
        partition by measurement_year, scope, forbund_id, respondent_group, question_id, gender
    )
)

select
    measurement_year,
    scope,
    forbund_id,
    respondent_group,
    question_id,
    gender,
    round(least(
        sum(weight) filter (where neg_log_weight >= observed_neg_log_weight - 1e-7) / sum(weight),
        1
    ), 12) as share_p_value
from relative
group by all;

-- Welch's t-test, two-sided: p = I_x(df / 2, 1 / 2) with x = df / (df + t^2), the regularized
-- incomplete beta function by its continued fraction (evaluated from the tail, list_reduce), or
-- 1 - I_(1-x)(1 / 2, df / 2) where that converges faster. No spread in either year: p is 0 when
-- the means differ, 1 when not.
create or replace temp table welch_tests as
with welch_inputs as (
    select
        *,
        sd1 * sd1 / n1 as vn1,
        sd0 * sd0 / n0 as vn0
    from compared_cells
    where n1 >= 2 and n0 >= 2
),

statistics as (
    select
        *,
        (mean1 - mean0) / sqrt(vn1 + vn0) as t,
        (vn1 + vn0) * (vn1 + vn0) / (vn1 * vn1 / (n1 - 1) + vn0 * vn0 / (n0 - 1)) as df
    from welch_inputs
    where vn1 + vn0 > 0
),

oriented as (
    select
        *,
        df / (df + t * t) < (df / 2 + 1) / (df / 2 + 2.5) as is_direct,
        case when is_direct then df / 2 else 0.5 end as a,
        case when is_direct then 0.5 else df / 2 end as b,
        case when is_direct then df / (df + t * t) else t * t / (df + t * t) end as x,
        case when is_direct then t * t / (df + t * t) else df / (df + t * t) end as one_minus_x
    from statistics
    where t <> 0
),

incomplete_beta as (
    select
        *,
        exp(a * ln(x) + b * ln(one_minus_x) - lgamma(a) - lgamma(b) + lgamma(a + b)) / a
        / list_reduce(
            list_transform(
                range((40 + 4 * ceil(sqrt(greatest(a, b))))::bigint, 0, -1),
                lambda j: case
                    when j % 2 = 1
                        then -(a + (j - 1) // 2) * (a + b + (j - 1) // 2) * x
                    else (j // 2) * (b - j // 2) * x
                end / ((a + j - 1) * (a + j))
            ),
            lambda tail, d: 1 + d / tail,
            1.0::double
        ) as value
    from oriented
)

select
    measurement_year,
    scope,
    forbund_id,
    respondent_group,
    question_id,
    gender,
    round(case when is_direct then value else 1 - value end, 12) as mean_p_value
from incomplete_beta
union all
select
    measurement_year,
    scope,
    forbund_id,
    respondent_group,
    question_id,
    gender,
    case
        when vn1 + vn0 = 0 then case when abs(mean1 - mean0) > 1e-12 then 0.0 else 1.0 end
        else 1.0
    end as mean_p_value
from welch_inputs
where vn1 + vn0 = 0 or mean1 = mean0;

create or replace table baseline.indicator_results as
with forbund as (
    select *
    from read_csv('{seeds}/forbund.csv', header = true, types = {
        'forbund_id': 'varchar', 'forbund_name': 'varchar'
    })
),

t_975_exact as (
    select [
        12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
        2.364624252, 2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830,
        2.160368656, 2.144786688, 2.131449546, 2.119905299, 2.109815578, 2.100922040,
        2.093024054, 2.085963447, 2.079613845, 2.073873068, 2.068657610, 2.063898562,
        2.059538553, 2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456
    ]::double[] as by_df
),

quantile_inputs as (
    select
        *,
        1.959963984540054::double as z,
        (n_answers - 1)::double as v,
        previous_year is not null
        and primary_suppression_rule is null
        and prev_primary_suppression_rule is null as is_compared
    from question_cells
),

-- t(0.975; n - 1) as the mart has it: exact to df 30, Cornish-Fisher above (any df)
with_quantiles as (
    select
        quantile_inputs.*,
        case
            when n_answers - 1 between 1 and 30 then t_975_exact.by_df[n_answers - 1]
            when n_answers - 1 >= 31 then
                z
                + (z ^ 3 + z) / (4 * v)
                + (5 * z ^ 5 + 16 * z ^ 3 + 3 * z) / (96 * v ^ 2)
                + (3 * z ^ 7 + 19 * z ^ 5 + 17 * z ^ 3 - 15 * z) / (384 * v ^ 3)
                + (79 * z ^ 9 + 776 * z ^ 7 + 1482 * z ^ 5 - 1920 * z ^ 3 - 945 * z)
                / (92160 * v ^ 4)
        end as t_975
    from quantile_inputs
    cross join t_975_exact
),

final as (
    select
        cells.measurement_year,
        cells.scope,
        cells.forbund_id,
        forbund.forbund_name,
        cells.respondent_group,
        cells.indicator_number,
        cells.question_id,
        cells.gender,
        cells.n_respondents,
        cells.n_answers,
        cells.n_dont_know,
        cells.n_positive,
        cells.mean_score,
        cells.sd_score,
        cells.share_positive,
        cells.primary_suppression_rule,
        cells.comparability_key,
        -- Wilson score interval (macros/statistics.sql), z = 1.959963984540054
        round(case when cells.n_answers > 0 then
            (cells.share_positive + 1.959963984540054::double ^ 2 / (2 * cells.n_answers)
                - 1.959963984540054::double * sqrt(greatest(
                    cells.share_positive * (1 - cells.share_positive) / cells.n_answers
                    + 1.959963984540054::double ^ 2 / (4 * cells.n_answers ^ 2), 0)))
            / (1 + 1.959963984540054::double ^ 2 / cells.n_answers)
        end, 12) as share_ci_low,
        round(case when cells.n_answers > 0 then
            (cells.share_positive + 1.959963984540054::double ^ 2 / (2 * cells.n_answers)
                + 1.959963984540054::double * sqrt(greatest(
                    cells.share_positive * (1 - cells.share_positive) / cells.n_answers
                    + 1.959963984540054::double ^ 2 / (4 * cells.n_answers ^ 2), 0)))
            / (1 + 1.959963984540054::double ^ 2 / cells.n_answers)
        end, 12) as share_ci_high,
        -- Student-t interval, df = n_answers - 1
        round(case when cells.n_answers >= 2
            then cells.mean_score - cells.t_975 * cells.sd_score / sqrt(cells.n_answers)
        end, 12) as mean_ci_low,
        round(case when cells.n_answers >= 2
            then cells.mean_score + cells.t_975 * cells.sd_score / sqrt(cells.n_answers)
        end, 12) as mean_ci_high,
        cells.previous_year,
        case when cells.is_compared then cells.prev_n_answers end as previous_n_answers,
        case when cells.is_compared then cells.prev_share_positive end
            as previous_share_positive,
        case when cells.is_compared then cells.prev_mean_score end as previous_mean_score,
        round(case when cells.is_compared
            then cells.share_positive - cells.prev_share_positive end, 12)
            as share_positive_change,
        round(case when cells.is_compared
            then cells.mean_score - cells.prev_mean_score end, 12) as mean_score_change,
        -- pooled two-proportion z statistic, descriptive only
        round(case when cells.is_compared then
            (cells.share_positive - cells.prev_share_positive) / nullif(sqrt(
                ((cells.n_positive + cells.prev_n_positive)
                    / (cells.n_answers + cells.prev_n_answers)::double)
                * (1 - (cells.n_positive + cells.prev_n_positive)
                    / (cells.n_answers + cells.prev_n_answers)::double)
                * (1 / cells.n_answers::double + 1 / cells.prev_n_answers::double)
            ), 0)
        end, 12) as share_change_z,
        case when cells.is_compared then fisher_tests.share_p_value < 0.05 end
            as is_change_significant,
        fisher_tests.share_p_value as share_change_p_value,
        welch_tests.mean_p_value as mean_change_p_value,
        case when cells.is_compared then welch_tests.mean_p_value < 0.05 end
            as is_mean_change_significant
    from with_quantiles as cells
    left join forbund on cells.forbund_id = forbund.forbund_id
    left join fisher_tests
        on cells.measurement_year = fisher_tests.measurement_year
        and cells.scope = fisher_tests.scope
        and cells.forbund_id is not distinct from fisher_tests.forbund_id
        and cells.respondent_group = fisher_tests.respondent_group
        and cells.question_id = fisher_tests.question_id
        and cells.gender = fisher_tests.gender
    left join welch_tests
        on cells.measurement_year = welch_tests.measurement_year
        and cells.scope = welch_tests.scope
        and cells.forbund_id is not distinct from welch_tests.forbund_id
        and cells.respondent_group = welch_tests.respondent_group
        and cells.question_id = welch_tests.question_id
        and cells.gender = welch_tests.gender
)

select * from final;
