-- The answer distribution of every question cell adds up to the cell's substantive answers,
-- "Vet ej" answers and positive answers in fct_indicator_results.
with distribution as (
    select
        measurement_year, scope, forbund_id, respondent_group, question_id, gender,
        sum(n_answers) filter (where not is_dont_know) as n_substantive,
        sum(n_answers) filter (where is_dont_know) as n_dont_know,
        sum(n_answers) filter (where is_positive) as n_positive
    from {{ ref('fct_answer_distribution') }}
    group by all
)

select results.*
from {{ ref('fct_indicator_results') }} as results
left join distribution
    on {{ cell_key_matches('distribution', 'results') }}
where distribution.n_substantive is distinct from results.n_answers
    or distribution.n_dont_know is distinct from results.n_dont_know
    or distribution.n_positive is distinct from results.n_positive
