"""The raw export contract: which columns a file must have and how their headers may be spelled.

See README.md, "Raw export contract".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.catalog import Catalog, normalise_label

# Standard columns and the header spellings survey tools print for them (matched after
# normalise_label, so case, spaces and a trailing "?" do not matter).
STANDARD_COLUMNS: dict[str, tuple[str, ...]] = {
    "svar_id": ("svar_id", "svars-id", "svarsid", "svar-id", "svars id", "response_id"),
    "forbund": ("forbund", "förbund", "samordningsförbund"),
    "enkat": ("enkat", "enkät", "enkättyp", "formulär"),
    "inskickad": ("inskickad", "inskickat", "skickad", "submitted_at"),
    "kon": ("kon", "kön"),
    "insats": ("insats",),
    "fritext": ("fritext", "övriga synpunkter", "kommentar"),
}
REQUIRED_COLUMNS = ("svar_id", "forbund", "enkat", "inskickad")

GENDER_VALUES = {
    "kvinna": "kvinna",
    "man": "man",
    "annat": "annat",
    "vill ej svara": "vill_ej_svara",
}

_STANDARD_LOOKUP = {
    normalise_label(spelling): column
    for column, spellings in STANDARD_COLUMNS.items()
    for spelling in spellings
}


@dataclass
class HeaderMap:
    """Where each standard column and question sits in a file's header row."""

    names: list[str] = field(default_factory=list)
    standard: dict[str, int] = field(default_factory=dict)
    # column index -> {respondent group -> question_id}
    questions: dict[int, dict[str, str]] = field(default_factory=dict)
    unmatched: list[tuple[int, str]] = field(default_factory=list)
    repeated: list[tuple[int, str]] = field(default_factory=list)

    @property
    def missing_required(self) -> list[str]:
        return [column for column in REQUIRED_COLUMNS if column not in self.standard]


def map_headers(headers: list[str], catalog: Catalog) -> HeaderMap:
    mapping = HeaderMap(names=list(headers))
    seen_questions: set[str] = set()
    for index, header in enumerate(headers):
        if not header.strip():
            mapping.unmatched.append((index, header))
            continue
        standard = _STANDARD_LOOKUP.get(normalise_label(header))
        if standard is not None:
            if standard in mapping.standard:
                mapping.repeated.append((index, header))
            else:
                mapping.standard[standard] = index
            continue
        candidates = catalog.question_candidates(header)
        if not candidates:
            mapping.unmatched.append((index, header))
            continue
        key = "|".join(sorted(candidates.values()))
        if key in seen_questions:
            mapping.repeated.append((index, header))
            continue
        seen_questions.add(key)
        mapping.questions[index] = candidates
    return mapping
