"""The declaration `finsam check` and a refused file's message propose for an unknown survey."""

from __future__ import annotations

import re
import unicodedata

import yaml

from orchestration.ingest.sources.layout import Column
from orchestration.ingest.sources.registry import ToolLayout

_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\[[^\]]*\])*$")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.casefold()).strip("-")[:40] or "enkat"


def _file_pattern(file_name: str) -> str:
    """The file name with what changes between exports (dates, counts, copies) as *."""
    stem, dot, suffix = file_name.rpartition(".")
    stem = stem if dot else file_name
    fixed = re.split(r"[\s_(-]*[0-9(]", stem, maxsplit=1)[0].rstrip(" _-")
    return f"{fixed or stem}*{dot}{suffix if dot else ''}"


def proposal(
    layout: ToolLayout, file_name: str, survey_id: str | None, columns: list[Column]
) -> dict:
    match = {"survey_id": survey_id} if survey_id else {"file_name": _file_pattern(file_name)}
    entry = {
        "id": _slug(f"{file_name.rpartition('.')[0] or file_name}"),
        "tool": layout.tool,
        "forbund": "<förbundets namn>",
        "enkat": "<respondentgrupp, till exempel deltagare_pagaende>",
        "match": match,
    }
    codes = [c.field for c in columns if _CODE.match(c.field) and c.text in ("", c.field)]
    if layout.question_codes and codes:
        entry["questions"] = {code: "<fråge-id>" for code in codes[:12]}
    return entry


def declaration_hint(
    layout: ToolLayout, file_name: str, survey_id: str | None, columns: list[Column]
) -> str:
    """One line of YAML (flow style) to add under `surveys:`."""
    entry = proposal(layout, file_name, survey_id, columns)
    text = yaml.safe_dump(
        entry, allow_unicode=True, default_flow_style=True, sort_keys=False, width=1_000_000
    )
    return text.strip()


def declaration_block(
    layout: ToolLayout, file_name: str, survey_id: str | None, columns: list[Column]
) -> str:
    """The same, as the block a person pastes into a file of sources/surveys."""
    entry = proposal(layout, file_name, survey_id, columns)
    body = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, indent=2)
    return "version: 1\nsurveys:\n" + "\n".join(f"  {line}" for line in body.splitlines())
