"""Intervention names and open comments (fritext) as respondents write them."""

from __future__ import annotations

from random import Random

INTERVENTIONS = (
    "Steget vidare",
    "Arbetsträning i samverkan",
    "Unga in",
    "IPS – individanpassat stöd till arbete",
    "Motivationslyftet",
    "Jobbcentrum",
    "Hälsoteamet",
    "Kompassen",
    "Vägen ut",
    "Samverkansteam",
    "Praktik & kompetens",
    "Aktivitetshuset",
    "Start, steg 1",
)

OPENINGS = (
    "Bra stöd",
    "Personalen har varit fantastisk",
    "Jag har fått hjälp med mycket",
    "Det tog lång tid innan något hände",
    "Handläggaren på Försäkringskassan bytte flera gånger",
    "Äntligen någon som lyssnar",
    "För lite tid med min coach",
    "Svårt att förstå vem som bestämmer",
    "Känner mig tryggare nu",
    "Insatsen har gett mig en struktur i vardagen",
    "Mötena med Arbetsförmedlingen fungerar sämre",
    "Vi behöver bättre rutiner för överlämningar",
)
WITH_COMMAS = (
    ", men jag önskar mer tid",
    ", särskilt med ekonomi, boende och CV",
    ", tack",
    ", både hos kommunen och regionen",
    ", även om det går långsamt",
)
WITH_SEMICOLONS = (
    "; annars inget att tillägga",
    "; tack för allt",
    "; mer praktik, färre möten",
)
WITH_QUOTES = (
    ' Min coach sa "du klarar det" och det hjälpte.',
    ' Kallas "Steget" här, vet inte vad det heter officiellt.',
    ' Vi säger "samordnare" men det är otydligt vem det är.',
)
SECOND_LINES = (
    "Önskar att det fanns fler platser.",
    "Tack för att ni finns!",
    "Mvh en nöjd deltagare",
    "Bättre information om vad som händer efter avslut, tack.",
    "Svårt att svara på fråga 6; planeringen är inte klar.",
)

COMMENT_RATE_PARTICIPANTS = 0.16
COMMENT_RATE_OTHERS = 0.10


def intervention_names(rng: Random) -> tuple[str, ...]:
    return tuple(rng.sample(INTERVENTIONS, rng.randint(2, 4)))


def comment(rng: Random, is_participant: bool) -> str:
    """An open comment or "" (most respondents leave none)."""
    rate = COMMENT_RATE_PARTICIPANTS if is_participant else COMMENT_RATE_OTHERS
    if rng.random() >= rate:
        return ""
    text = rng.choice(OPENINGS)
    roll = rng.random()
    if roll < 0.35:
        text += rng.choice(WITH_COMMAS)
    elif roll < 0.5:
        text += rng.choice(WITH_SEMICOLONS)
    text += "."
    if rng.random() < 0.12:
        text += rng.choice(WITH_QUOTES)
    if rng.random() < 0.2:
        text += ("\n\n" if rng.random() < 0.3 else "\n") + rng.choice(SECOND_LINES)
    return text
