"""Every quality check in plain Swedish: a name and a sentence on what it protects, for the
Datakvalitet page and the published check_outcomes.

A check is named by its kind, not by its generated name: the dbt generic test it runs (not_null,
accepted_values, the project's own tests in dbt_project/tests/generic; dbt_utils/... for a
package's), "singular/<name>" for a singular test, "unit_test/<name>" for a dbt unit test and
"gx/<meta.check_name>" for a Great Expectations expectation. seeds/check_codebook_sv.csv holds a
template per kind; {tabell}, {kolumn}, {kolumner}, {till_tabell}, {lag} and {hog} are filled from
the test's manifest entry (attached node, column_name and the other arguments) with the Swedish
names in seeds/check_vocabulary_sv.csv. seeds/check_groups_sv.csv says what each group of checks
protects. tests/test_check_names.py names every check the project defines, so a new check (or a
new table or column under an existing kind) fails there until the codebook can name it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from orchestration.settings import SEEDS_DIR

CODEBOOK = "check_codebook_sv.csv"
VOCABULARY = "check_vocabulary_sv.csv"
GROUPS = "check_groups_sv.csv"

# The columns of audit.check_results this module fills.
COLUMNS = ("check_kind", "check_group", "check_name_sv", "protects_sv", "table_sv")


class UnnamedCheck(LookupError):
    """The codebook cannot name the check: what is missing, in one sentence."""


@dataclass(frozen=True)
class Check:
    """What a check is, in the terms the codebook uses."""

    kind: str
    tables: tuple[str, ...]
    columns: tuple[str, ...] = ()
    # other template fields: till_tabell, till_kolumn, lag, hog
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Books:
    kinds: Mapping[str, Mapping[str, str]]
    names: Mapping[tuple[str, str], Mapping[str, str]]  # (table or "", column or "")
    groups: Mapping[str, Mapping[str, str]]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


@cache
def books(seeds_dir: Path = SEEDS_DIR) -> Books:
    return Books(
        kinds={row["check_kind"]: row for row in _read(seeds_dir / CODEBOOK)},
        names={
            (row["table_name"], row["column_name"]): row for row in _read(seeds_dir / VOCABULARY)
        },
        groups={row["check_group"]: row for row in _read(seeds_dir / GROUPS)},
    )


def _ref_name(value: Any) -> str | None:
    """The model a relationships test points to: ref('dim_forbund') -> dim_forbund."""
    match = re.fullmatch(r"""\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*""", str(value or ""))
    return match.group(1) if match else None


def dbt_check(node: Mapping[str, Any]) -> Check:
    """A dbt data test or unit test as the manifest describes it."""
    metadata = node.get("test_metadata") or {}
    if metadata:
        kwargs = metadata.get("kwargs") or {}
        namespace = metadata.get("namespace")
        kind = f"{namespace}/{metadata['name']}" if namespace else metadata["name"]
        columns = [kwargs["column_name"]] if kwargs.get("column_name") else []
        columns += list(kwargs.get("columns") or [])
        columns += [kwargs[key] for key in ("estimate", "part_column") if kwargs.get(key)]
        values = {}
        if "to" in kwargs:
            values["till_tabell"] = _ref_name(kwargs["to"]) or str(kwargs["to"])
            values["till_kolumn"] = str(kwargs.get("field", ""))
        for key, name in (("low", "lag"), ("high", "hog")):
            if key in kwargs:
                values[name] = _number(kwargs[key])
        attached = node.get("attached_node") or ""
        return Check(kind, (attached.split(".")[-1],), tuple(columns), values)
    if node.get("resource_type") == "unit_test" or node.get("model"):
        return Check(f"unit_test/{node['name']}", (node["model"],))
    parents = (node.get("depends_on") or {}).get("nodes", [])
    tables = sorted(p.split(".")[-1] for p in parents if p.split(".")[0] in ("model", "seed"))
    return Check(f"singular/{node['name']}", tuple(tables))


def gx_check(check_name: str, asset_key: Sequence[str]) -> Check:
    """A Great Expectations expectation, by its meta.check_name and the asset it guards."""
    return Check(f"gx/{check_name}", (asset_key[-1],))


def _number(value: Any) -> str:
    """A bound as Swedish text: 0, 1, 0,5, 100."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} och {names[-1]}"


def _name(book: Books, table: str, column: str, check: Check) -> Mapping[str, str]:
    row = book.names.get((table, column)) or (book.names.get(("", column)) if column else None)
    if row is None or not row.get("name_sv"):
        what = f"the column {column} of {table}" if column else f"the table {table}"
        raise UnnamedCheck(f"{check.kind}: {what} has no Swedish name in seeds/{VOCABULARY}.")
    return row


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def swedish(check: Check, book: Books | None = None) -> dict[str, str]:
    """The check's columns of audit.check_results (COLUMNS); UnnamedCheck when the codebook
    cannot name it."""
    book = book or books()
    kind = book.kinds.get(check.kind)
    if kind is None:
        raise UnnamedCheck(f"{check.kind}: no row for this check kind in seeds/{CODEBOOK}.")
    if not check.tables:
        raise UnnamedCheck(f"{check.kind}: the check reads no table.")
    tables = [_name(book, table, "", check) for table in check.tables]
    main_table = check.tables[0]
    columns = [_name(book, main_table, column, check) for column in check.columns]
    fields = {
        "tabell": tables[0]["name_sv"],
        "tabeller": _joined([row["name_sv"] for row in tables]),
        **dict(check.values),
    }
    if "till_tabell" in fields:
        fields["till_tabell"] = _name(book, fields["till_tabell"], "", check)["name_sv"]
    if columns:
        fields["kolumn"] = columns[0]["name_sv"]
        fields["kolumner"] = _joined([row["name_sv"] for row in columns])
    try:
        name = kind["name_sv"].format_map(fields)
        protects = kind["protects_sv"].format_map(fields)
    except KeyError as missing:
        raise UnnamedCheck(
            f"{check.kind}: the template in seeds/{CODEBOOK} needs {missing}, which this check "
            "does not give."
        ) from None
    group = (
        kind.get("check_group")
        or next((row["check_group"] for row in columns if row.get("check_group")), "")
        or tables[0].get("check_group")
    )
    if group not in book.groups:
        raise UnnamedCheck(f"{check.kind}: group {group!r} is not in seeds/{GROUPS}.")
    return {
        "check_kind": check.kind,
        "check_group": group,
        "check_name_sv": _capitalised(name),
        "protects_sv": _capitalised(protects),
        "table_sv": _capitalised(fields["tabeller"]),
    }


def swedish_or_none(check: Check) -> dict[str, str | None]:
    """Like swedish(), but a check the codebook cannot name keeps its kind and no Swedish text
    (the test of the codebook fails on it; a run is not stopped by a missing name)."""
    try:
        return swedish(check)
    except UnnamedCheck:
        return {column: None for column in COLUMNS} | {"check_kind": check.kind}
