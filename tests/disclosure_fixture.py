"""A small hand-made landing folder in which every disclosure route leaks without secondary
suppression, and one year in which nothing needs protecting.

Measurement year 2022, survey form personal. Each association below is written for one route:

- Blekinge, P03A: 2 women; riket minus the others gives its 2 answers.
- Roslagen, P06A: 8 women and 3 men; riket's men minus the published men gives its 3.
- Samsund and Sundsvall, P09A: 10 women, 10 men and 2 (Sundsvall: 6) of no stated gender;
  riket's rest minus Sundsvall's gives Samsund's 2.
- Degerfors/Karlskoga, P10A: 3 "Vet ej" and no score; riket's answers given minus the others'
  gives its 3.
- Gävleborgs län, P08A and P08B: 10 answer P08A, 3 of them P08B; its indicator 8 summary minus
  P08A gives P08B's 3.

Finnveden and Gotland are large and answer everything, women and men alike, so that the national
cells and their gender splits are published. Measurement year 2021 has only large associations
and two small ones that together reach the threshold: nothing there needs secondary suppression.
"""

import csv
import itertools
from pathlib import Path

QUESTIONS = ["P03A", "P06A", "P08A", "P08B", "P09A", "P10A"]
HEADERS = ["svar_id", "forbund", "enkat", "inskickad", "kon", *QUESTIONS]
SCORES = itertools.cycle([8, 6, 9, 4, 7, 10, 3, 7, 5, 8, 2])


def people(n: int, gender: str, questions: list[str], answer: str | None = None) -> list[dict]:
    """n questionnaires of one gender ('' = not stated) answering the given questions."""
    rows = []
    for _ in range(n):
        rows.append(
            {
                "kon": gender,
                **{q: (answer if answer is not None else str(next(SCORES))) for q in questions},
            }
        )
    return rows


def everyone(women: int, men: int) -> list[dict]:
    return people(women, "Kvinna", QUESTIONS) + people(men, "Man", QUESTIONS)


LEAKY_YEAR = {
    "Finnveden": everyone(12, 12),
    "Gotland": everyone(15, 15),
    "Blekinge": people(2, "Kvinna", ["P03A"]),
    "Roslagen": people(8, "Kvinna", ["P06A"]) + people(3, "Man", ["P06A"]),
    "Samsund": people(10, "Kvinna", ["P09A"])
    + people(10, "Man", ["P09A"])
    + people(2, "", ["P09A"]),
    "Sundsvall": people(10, "Kvinna", ["P09A"])
    + people(10, "Man", ["P09A"])
    + people(6, "", ["P09A"]),
    "Degerfors/Karlskoga": people(3, "Kvinna", ["P10A"], answer="Vet ej"),
    "Gävleborgs län": people(3, "Kvinna", ["P08A", "P08B"]) + people(7, "Man", ["P08A"]),
}

SAFE_YEAR = {
    "Finnveden": everyone(12, 12),
    "Gotland": everyone(15, 15),
    "Blekinge": people(3, "Kvinna", QUESTIONS),
    "Roslagen": people(2, "Kvinna", QUESTIONS),
}


def write_fixture(landing: Path) -> Path:
    """Writes one CSV per association and measurement year into landing; returns landing."""
    landing.mkdir(parents=True, exist_ok=True)
    for year, associations in ((2022, LEAKY_YEAR), (2021, SAFE_YEAR)):
        for name, rows in associations.items():
            slug = name.lower().replace("/", "-").replace(" ", "-")
            path = landing / f"{year}_{slug}_personal.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=HEADERS)
                writer.writeheader()
                for number, row in enumerate(rows, start=1):
                    writer.writerow(
                        {
                            "svar_id": f"{slug}-{year}-{number}",
                            "forbund": name,
                            "enkat": "personal",
                            "inskickad": f"{year}-03-15 10:{number % 60:02d}",
                            **{q: "" for q in QUESTIONS},
                            **row,
                        }
                    )
    return landing
