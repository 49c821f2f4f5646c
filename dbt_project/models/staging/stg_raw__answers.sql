with source as (
    select * from {{ source('raw', 'answers') }}
),

renamed as (
    select
        reported_forbund_id || '|' || respondent_group || '|' || svar_id as submission_key,
        load_id,
        source_row,
        question_id,
        raw_value,
        answer_value,
        is_dont_know
    from source
)

select * from renamed
