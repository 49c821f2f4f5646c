-- The disclosure rules as the site explains them: the short symbol shown in a table cell that is
-- not published, the reason (the same text as suppression_reason in every published table), and a
-- longer explanation for the legend. The texts of the reasons come from macros/disclosure.sql.
with rules as (
    select * from (
        values
        (
            1, 'threshold', '..',
            'Färre än fem svar: resultatet visas inte för att skydda de svarande.'
        ),
        (
            2, 'gender_complement', '..k',
            'Kvinnor och män visas inte var för sig, eftersom en av grupperna, eller de som inte '
            || 'angett kön, har färre än fem svar och annars skulle kunna räknas fram.'
        ),
        (
            3, 'secondary', '..s',
            'Visas inte för att ett annat dolt resultat med färre än fem svar annars skulle kunna '
            || 'räknas fram, till exempel som riket minus de övriga förbunden, eller för att de '
            || 'dolda svaren annars alla skulle gå att se som lika (till exempel alla positiva).'
        )
    ) as rules (sort_order, suppression_rule, symbol, explanation)
),

final as (
    select
        suppression_rule,
        symbol,
        {{ suppression_reason('suppression_rule') }} as suppression_reason,
        explanation,
        sort_order::integer as sort_order
    from rules
)

select * from final
