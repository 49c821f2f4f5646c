select
    a.load_id,
    a.source_row,
    a.forbund_id,
    a.svar_id,
    a.question_id,
    a.answer_value,
    a.is_dont_know,
    a.respondent_group,
    q.respondent_group as question_group,
    a.answer_value is null or a.answer_value between q.scale_min and q.scale_max as within_scale,
    q.question_id is not null as question_known
from raw.answers as a
left join (
    select
        question_id,
        respondent_group,
        scale_min::integer as scale_min,
        scale_max::integer as scale_max
    from read_csv('{seeds_dir}/questions.csv', header = true, all_varchar = true)
) as q using (question_id)
