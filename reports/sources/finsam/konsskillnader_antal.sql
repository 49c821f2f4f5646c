-- Hur många skillnader mellan kvinnor och män som prövats varje mätår, hur många som blev
-- säkerställda och hur många slumpen ensam skulle ge (5 % av proven), ur lagret.
select
    measurement_year,
    cast(cast(measurement_year as integer) as varchar) as matar,
    scope,
    case scope when 'riket' then 'Riket' else 'Förbunden' end as niva,
    n_share_tests,
    n_share_significant,
    n_share_expected_by_chance,
    replace(printf('%.1f', n_share_expected_by_chance), '.', ',') as slumpen_text
from main.gender_difference_counts
