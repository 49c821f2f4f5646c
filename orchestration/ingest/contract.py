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
    # column index -> {respondent group -> question_id} an earlier column already holds (a code
    # and a question text that several survey forms share, say): not read a second time.
    shadowed: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def missing_required(self) -> list[str]:
        return [column for column in REQUIRED_COLUMNS if column not in self.standard]


def map_headers(headers: list[str], catalog: Catalog) -> HeaderMap:
    mapping = HeaderMap(names=list(headers))
    claimed: set[str] = set()  # question_ids an earlier column holds
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
        fresh = {group: qid for group, qid in candidates.items() if qid not in claimed}
        if not fresh:
            mapping.repeated.append((index, header))
            continue
        if len(fresh) < len(candidates):
            mapping.shadowed[index] = {
                group: qid for group, qid in candidates.items() if group not in fresh
            }
        claimed.update(fresh.values())
        mapping.questions[index] = fresh
    return mapping
