-- Publiceringen som sajten byggdes från: datum, mätår, utgivare och kontakt (en rad). Står på
-- varje sida (components/Publicering.svelte).
select
    publication,
    published_on,
    cast(day(published_on) as varchar) || ' '
        || ['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti',
            'september', 'oktober', 'november', 'december'][month(published_on)]
        || ' ' || cast(year(published_on) as varchar) as publicerad_text,
    strftime(published_on, '%Y-%m-%d') as publicerad_iso,
    first_year,
    last_year,
    period_sv,
    publisher,
    contact,
    case
        when contact like '%@%' and contact not like '%://%' then 'mailto:' || contact
        else contact
    end as contact_href,
    previous_publication
from main.publication
