"""The catalogue's answers for one file: which association and survey form a name means, which
association a questionnaire counts for after a merger and why, and which question each column of
a survey form and year reads. Memoised per file: a file repeats the same few labels."""

from __future__ import annotations

from orchestration.catalog import Catalog, Merger, Question
from orchestration.ingest.contract import HeaderMap
from orchestration.ingest.records import FileRejected


class Resolver:
    """Catalogue look-ups of one file, memoised: a file repeats the same few labels."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._forbund: dict[str, str | None] = {}
        self._groups: dict[str, str | None] = {}
        self._counting: dict[tuple[str, int], tuple[str, list[Merger]]] = {}
        self._plans: dict[tuple[str, int], list] = {}

    def forbund(self, name: str) -> str | None:
        if name not in self._forbund:
            self._forbund[name] = self.catalog.resolve_forbund(name)
        return self._forbund[name]

    def group(self, label: str) -> str | None:
        if label not in self._groups:
            self._groups[label] = self.catalog.resolve_respondent_group(label)
        return self._groups[label]

    def counting(self, forbund_id: str, year: int) -> tuple[str, list[Merger]]:
        """The association a questionnaire naming ``forbund_id`` counts for in ``year``, and the
        mergers that lead there (empty when it is ``forbund_id`` itself)."""
        if (forbund_id, year) not in self._counting:
            self._counting[(forbund_id, year)] = (
                self.catalog.counting_forbund(forbund_id, year),
                self.catalog.mergers_in_effect(forbund_id, year),
            )
        return self._counting[(forbund_id, year)]

    def answer_plan(
        self, headers: HeaderMap, group: str, year: int
    ) -> list[tuple[int, str, Question | None, str | None]]:
        """Per question column: (index, header, question, None) when a row of ``group`` from
        ``year`` reads it, else (index, header, None, why its answers are not read). Rows of a
        file share a few survey forms and years, so this is worked out once for each."""
        if (group, year) not in self._plans:
            plan = []
            for index, candidates in headers.questions.items():
                header, question_id = headers.names[index], candidates.get(group)
                if question_id is None:
                    shadowed = headers.shadowed.get(index, {}).get(group)
                    reason = (
                        f"frågan {shadowed} finns redan i en tidigare kolumn; svaret i den här "
                        "kolumnen läses inte in"
                        if shadowed
                        else f"frågan ingår inte i enkäten {group}; svaret läses inte in"
                    )
                    plan.append((index, header, None, reason))
                    continue
                question = self.catalog.question_by_id[question_id]
                if not question.is_asked_in(year):
                    reason = (
                        f"frågan {question_id} ställdes inte mätåret {year}; svaret läses inte in"
                    )
                    plan.append((index, header, None, reason))
                    continue
                plan.append((index, header, question, None))
            self._plans[(group, year)] = plan
        return self._plans[(group, year)]

    def name(self, forbund_id: str) -> str:
        forbund = self.catalog.forbund_by_id.get(forbund_id)
        return forbund.forbund_name if forbund else forbund_id


def attribution_reason(
    resolver: Resolver, forbund_raw: str, field_name: str, mergers: list[Merger], year: int
) -> str:
    """Why a questionnaire counts for another association, naming the field and every step of a
    chain of mergers: "förbundet 'Västerås' (kolumn Förbund) gick upp i Västmanlands län 2024;
    enkäten från mätåret 2024 räknas till Västmanlands län"."""
    steps = ", som ".join(
        f"gick upp i {resolver.name(merger.successor_id)} {merger.merged_year}"
        for merger in mergers
    )
    return (
        f"förbundet {forbund_raw!r} (kolumn {field_name}) {steps}; enkäten från mätåret {year} "
        f"räknas till {resolver.name(mergers[-1].successor_id)}"
    )


def refuse_unknown_names(
    numbers: list[int], columns, headers: HeaderMap, resolver: Resolver
) -> None:
    """Refuse the whole file when an association or survey form named in it is unknown."""
    forbund_index, form_index = headers.standard["forbund"], headers.standard["enkat"]
    unknown_forbund = _unknown(numbers, columns.forbund, resolver.forbund)
    unknown_forms = _unknown(numbers, columns.enkat, resolver.group)
    if unknown_forbund:
        name, number = next(iter(unknown_forbund.items()))
        others = _and_more(len(unknown_forbund) - 1, "okänt förbund", "okända förbund")
        raise FileRejected(
            f"förbundet {name!r} finns inte i förbundslistan{others}; hela filen avvisas; "
            "kontrollera stavningen, eller be den som sköter datalagret att lägga till namnet",
            number,
            headers.names[forbund_index],
            name,
        )
    if unknown_forms:
        form, number = next(iter(unknown_forms.items()))
        others = _and_more(len(unknown_forms) - 1, "okänd enkät", "okända enkäter")
        codes = [group.code for group in resolver.catalog.respondent_groups]
        raise FileRejected(
            f"enkäten {form!r} känns inte igen{others}; hela filen avvisas; skriv en av "
            f"{', '.join(codes[:-1])} eller {codes[-1]}, eller enkätens svenska namn",
            number,
            headers.names[form_index],
            form,
        )


def _unknown(numbers: list[int], texts: list[str], resolve) -> dict[str, int]:
    """The names in a column that `resolve` does not know, each with the first row naming it,
    in the order they first appear."""
    first_row: dict[str, int] = {}
    for number, text in zip(numbers, texts, strict=True):
        first_row.setdefault(text, number)
    return {text: number for text, number in first_row.items() if text and resolve(text) is None}


def _and_more(count: int, one: str, many: str) -> str:
    if count <= 0:
        return ""
    return f" (och {count} {one if count == 1 else many} till)"
