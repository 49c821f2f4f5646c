-- Vad som ändrats från en publicering till nästa (beräknat ur publiceringarna, inte skrivet för
-- hand): nya mätår, reviderade celler och varför.
select
    publication,
    published_on,
    strftime(published_on, '%Y-%m-%d') as publicerad_iso,
    change_order,
    change,
    measurement_year,
    cells,
    files,
    description_sv
from main.publication_changes
