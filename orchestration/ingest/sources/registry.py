"""The source registry: which survey tools the loader knows, and which survey is whose.

Two kinds of YAML file, each with ``version: 1`` (see ``sources/README.md``, in Swedish):

* ``sources/tools/*.yml``: a tool's export layout (how its files are recognised, its header rows,
  its own columns, its time formats). A new tool is one more file, not code.
* ``sources/surveys/*.yml``: declarations. Each says which association and respondent group one
  survey belongs to, how its exports are recognised, and the value maps or question codes its
  exports need. One declaration serves every later export of the same survey.

Validated with pydantic; every problem becomes one Swedish sentence naming the file, the entry
and the field (:class:`RegistryError`), because operators edit these files by hand.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestration.catalog import Catalog, normalise_label

REGISTRY_VERSION = 1
DONT_KNOW = "vet ej"  # a value map's target for the instrument's "Vet ej"
ANSWER_TARGET_WORDS = {"vet ej": DONT_KNOW, "tomt": None}  # "tomt": the answer is left blank

Spellings = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SurveyIdRule(_Strict):
    """Where a tool's export carries the tool's own id of the survey."""

    file_name: str | None = None  # a regular expression whose first group is the id
    column: Spellings | None = None  # a column whose (first non-blank) value is the id

    @field_validator("file_name")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                if re.compile(pattern).groups < 1:
                    raise ValueError("behöver en grupp inom parentes som fångar enkätens id")
            except re.error as error:
                raise ValueError(f"är inget giltigt reguljärt uttryck ({error})") from error
        return pattern


class RowFilter(_Strict):
    """Rows the tool marks as not being answers (previews, tests): refused and counted."""

    column: Spellings
    values: list[str]
    reason: str


class ToolColumns(_Strict):
    """The tool's own columns, by their spellings in every language the tool exports in."""

    response_id: Spellings = []
    submitted: Spellings  # the time the questionnaire was sent in (completion time)
    started: Spellings = []
    modified: Spellings = []  # the time of the latest edit, where the tool has one
    personal: Spellings = []  # identifies a person: never stored, reported
    ignored: Spellings = []  # the tool's bookkeeping, not needed


class CodebookSpec(_Strict):
    """The columns of a code book sheet, and the labels that mean an option was selected."""

    name: Spellings = ["Variable Name", "Variabelnamn"]
    label: Spellings = ["Label", "Etikett"]
    codes: Spellings = ["Value Codes", "Värdekoder"]
    selected: list[str] = ["Ja", "Yes", "Vald", "Selected"]


class ToolLayout(_Strict):
    version: Literal[1]
    tool: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    formats: list[Literal["csv", "xlsx"]]
    recognise: list[Spellings]  # every entry: one of its spellings is a heading of the file
    header_rows: Annotated[int, Field(ge=1, le=5)] = 1
    question_row: Annotated[int, Field(ge=1, le=5)] = 1  # the header row with question texts
    part_row: Annotated[int, Field(ge=1, le=5)] | None = None  # a row naming a part of a question
    meta_row: Annotated[int, Field(ge=1, le=5)] | None = None  # a row of JSON per column
    sheet: Spellings = []  # XLSX: the sheet holding the responses (else the first)
    codebook_sheet: Spellings = []  # XLSX: a code book of variables and value labels
    codebook: CodebookSpec = CodebookSpec()
    columns: ToolColumns
    survey_id: SurveyIdRule | None = None
    time_formats: list[str]
    time_zone_meta_key: str | None = None  # the meta row's JSON key naming the time zone
    question_codes: bool = False  # headings may be the tool's question codes, not texts
    blank_values: list[str] = []  # answers the tool writes for "not asked" ("N/A")
    row_filters: list[RowFilter] = []
    notes: str = ""

    @field_validator("recognise")
    @classmethod
    def _not_empty(cls, entries: list[Spellings]) -> list[Spellings]:
        if not entries or any(not spellings for spellings in entries):
            raise ValueError("behöver minst en rubrik (med minst en stavning) att känna igen")
        return entries


class Match(_Strict):
    survey_id: str | None = None
    file_name: str | None = None  # a glob, such as "Deltagarenkät Blekinge*.xlsx"
    headers: Spellings = []  # headings the export must have (all of them)

    def is_empty(self) -> bool:
        return self.survey_id is None and self.file_name is None and not self.headers


AnswerTarget = int | str | None


class Survey(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
    tool: str
    forbund: str
    enkat: str
    match: Match
    measurement_year: Literal["svarstid"] | Annotated[int, Field(ge=2017, le=2100)] = "svarstid"
    time_zone: str = "Europe/Stockholm"
    time_formats: list[str] = []  # tried before the tool's own (a spreadsheet's locale, say)
    language: Literal["sv", "en"] = "sv"
    questions: dict[str, str] = {}  # heading or code in the export -> question_id
    values: dict[str, AnswerTarget] = {}  # answer text or code -> scale value or "Vet ej"
    gender_column: Spellings = []  # headings of the question about gender, if not "Kön"
    gender_values: dict[str, str] = {}  # answer -> Kvinna | Man | Annat | Vill ej svara
    note: str = ""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"tidszonen {zone!r} finns inte (exempel: Europe/Stockholm)"
            ) from error
        return zone

    @field_validator("values")
    @classmethod
    def _targets(cls, values: dict[str, AnswerTarget]) -> dict[str, AnswerTarget]:
        for label, target in values.items():
            if isinstance(target, str) and normalise_label(target) not in ANSWER_TARGET_WORDS:
                raise ValueError(
                    f"svaret {label!r} ska bli ett tal på skalan, 'Vet ej' eller 'tomt', "
                    f"inte {target!r}"
                )
        return values


class _SurveyFile(_Strict):
    """A file of surveys/; its entries are validated one by one, so that every entry's problems
    are told at once."""

    version: Literal[1]
    surveys: list[dict] = []


class RegistryError(ValueError):
    """The registry cannot be used; ``problems`` holds one Swedish sentence each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Declared:
    """A survey declaration with what the catalogue made of it."""

    survey: Survey
    file: str  # relative to the registry folder
    forbund_id: str
    respondent_group: str

    def matches(self, file_name: str, survey_id: str | None, headings: set[str]) -> bool:
        """Whether an export of this declaration's tool is this survey's: every criterion the
        declaration gives must hold."""
        match = self.survey.match
        if match.survey_id is not None and match.survey_id != survey_id:
            return False
        if match.file_name is not None and not fnmatch.fnmatch(
            file_name.casefold(), match.file_name.casefold()
        ):
            return False
        return all(normalise_label(h) in headings for h in match.headers)


class Registry:
    """The tool layouts and survey declarations of one registry folder."""

    def __init__(self, tools: dict[str, ToolLayout], surveys: list[Declared], root: Path) -> None:
        self.tools = tools
        self.surveys = surveys
        self.root = root

    @cached_property
    def by_id(self) -> dict[str, Declared]:
        return {declared.survey.id: declared for declared in self.surveys}

    def surveys_of(self, tool: str) -> list[Declared]:
        return [declared for declared in self.surveys if declared.survey.tool == tool]


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())


def _read_yaml(path: Path, root: Path, problems: list[str]) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        problems.append(f"{path.relative_to(root)}: filen är ingen giltig YAML ({error})")
        return None


def _validated(model: type[BaseModel], path: Path, base: Path, problems: list[str]):
    """The file as the model, or None with its problems told."""
    document = _read_yaml(path, base, problems)
    if document is None:
        return None
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems.extend(_sentences(path, base, error, document))
        return None


def _where(location: tuple, document: object) -> str:
    """A pydantic error location in words: 'enkät 2 (blekinge-deltagare), fält match.file_name'."""
    parts = list(location)
    if len(parts) >= 2 and parts[0] == "surveys" and isinstance(parts[1], int):
        entry = parts[1]
        name = ""
        if isinstance(document, dict):
            surveys = document.get("surveys") or []
            if entry < len(surveys) and isinstance(surveys[entry], dict):
                name = f" ({surveys[entry].get('id')})" if surveys[entry].get("id") else ""
        rest = ".".join(str(p) for p in parts[2:])
        return f"enkät {entry + 1}{name}" + (f", fält {rest}" if rest else "")
    return "fält " + ".".join(str(p) for p in parts) if parts else "filen"


_PYDANTIC_SV = {
    "missing": "saknas",
    "extra_forbidden": "är inget känt fält (felstavat?)",
    "literal_error": "har ett värde som inte är tillåtet",
    "string_pattern_mismatch": "får bara innehålla a–z, 0–9 och bindestreck",
    "int_parsing": "ska vara ett heltal",
    "greater_than_equal": "är för litet",
    "less_than_equal": "är för stort",
    "list_type": "ska vara en lista",
    "dict_type": "ska vara en tabell (nyckel: värde)",
    "string_type": "ska vara text",
}


def _sentences(
    path: Path, root: Path, error: ValidationError, document: object, prefix: tuple = ()
) -> list[str]:
    out = []
    for problem in error.errors():
        problem["loc"] = prefix + tuple(problem["loc"])
        if problem["type"] == "value_error":
            what = str(problem["ctx"]["error"]) if "ctx" in problem else problem["msg"]
        else:
            what = _PYDANTIC_SV.get(problem["type"], problem["msg"])
            if problem["type"] == "literal_error" and "ctx" in problem:
                what += f" (tillåtet: {problem['ctx'].get('expected')})"
        out.append(f"{path.relative_to(root)}, {_where(problem['loc'], document)}: {what}")
    return out


def _check_against_catalogue(
    survey: Survey, where: str, tools: dict[str, ToolLayout], catalog: Catalog
) -> tuple[list[str], str | None, str | None]:
    problems = []
    if survey.tool not in tools:
        problems.append(
            f"{where}, fält tool: verktyget {survey.tool!r} har ingen layout i sources/tools/ "
            f"(kända: {', '.join(sorted(tools))})"
        )
    forbund_id = catalog.resolve_forbund(survey.forbund)
    if forbund_id is None:
        problems.append(
            f"{where}, fält forbund: förbundet {survey.forbund!r} finns inte i katalogen "
            "(seeds/forbund.csv eller forbund_aliases.csv)"
        )
    group = catalog.resolve_respondent_group(survey.enkat)
    if group is None:
        problems.append(
            f"{where}, fält enkat: {survey.enkat!r} är ingen känd respondentgrupp "
            "(seeds/respondent_groups.csv eller respondent_group_aliases.csv)"
        )
    if survey.match.is_empty():
        problems.append(
            f"{where}, fält match: ange minst ett av survey_id, file_name och headers, "
            "så att exporterna kan kännas igen"
        )
    for code, question_id in survey.questions.items():
        question = catalog.question_by_id.get(question_id)
        if question is None:
            problems.append(
                f"{where}, fält questions.{code}: frågan {question_id!r} finns inte i "
                "seeds/questions.csv"
            )
        elif group is not None and question.respondent_group != group:
            problems.append(
                f"{where}, fält questions.{code}: frågan {question_id} hör till enkäten "
                f"{question.respondent_group}, inte {group}"
            )
    for label, gender in survey.gender_values.items():
        if normalise_label(gender) not in ("kvinna", "man", "annat", "vill ej svara"):
            problems.append(
                f"{where}, fält gender_values.{label}: {gender!r} ska vara Kvinna, Man, Annat "
                "eller Vill ej svara"
            )
    return problems, forbund_id, group


def load_registry(root: Path, catalog: Catalog, builtin: Path | None = None) -> Registry:
    """Read and validate every tool layout and declaration; RegistryError lists all problems.

    The layouts are those of ``builtin/tools`` (the project's own), then those of
    ``root/tools``, which replace a built-in layout of the same tool; the declarations are those
    of ``root/surveys``."""
    problems: list[str] = []
    tools: dict[str, ToolLayout] = {}
    layout_files = []
    if builtin is not None and builtin.resolve() != root.resolve():
        layout_files += [(path, builtin) for path in _yaml_files(builtin / "tools")]
    layout_files += [(path, root) for path in _yaml_files(root / "tools")]
    own: set[str] = set()
    for path, base in layout_files:
        layout = _validated(ToolLayout, path, base, problems)
        if layout is None:
            continue
        if layout.tool in own and base == root:
            problems.append(f"{path.relative_to(base)}: verktyget {layout.tool!r} finns två gånger")
        if base == root:
            own.add(layout.tool)
        tools[layout.tool] = layout

    surveys: list[Declared] = []
    seen: dict[str, str] = {}
    for path in _yaml_files(root / "surveys"):
        parsed = _validated(_SurveyFile, path, root, problems)
        if parsed is None:
            continue
        relative = str(path.relative_to(root))
        for number, entry in enumerate(parsed.surveys, start=1):
            try:
                survey = Survey.model_validate(entry)
            except ValidationError as error:
                located = {"surveys": [{}] * (number - 1) + [entry]}
                problems.extend(
                    _sentences(path, root, error, located, prefix=("surveys", number - 1))
                )
                continue
            where = f"{relative}, enkät {number} ({survey.id})"
            if survey.id in seen:
                problems.append(f"{where}: id:t finns redan i {seen[survey.id]}")
                continue
            seen[survey.id] = relative
            found, forbund_id, group = _check_against_catalogue(survey, where, tools, catalog)
            problems.extend(found)
            if not found:
                surveys.append(Declared(survey, relative, forbund_id, group))
    problems.extend(_overlaps(surveys))
    if problems:
        raise RegistryError(problems)
    return Registry(tools, surveys, root)


def _overlaps(surveys: list[Declared]) -> list[str]:
    """Two declarations of one tool that would claim the same exports."""
    problems = []
    for index, first in enumerate(surveys):
        for second in surveys[index + 1 :]:
            a, b = first.survey, second.survey
            if a.tool != b.tool:
                continue
            if (
                a.match.survey_id is not None
                and a.match.survey_id == b.match.survey_id
                and a.match.file_name == b.match.file_name
                and sorted(a.match.headers) == sorted(b.match.headers)
            ):
                problems.append(
                    f"{second.file}, enkät {b.id}: känns igen på samma sätt som {a.id} "
                    f"({first.file}); ge dem olika match"
                )
    return problems
