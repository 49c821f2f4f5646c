"""Write a folder of raw survey exports as associations send them (the demo data set)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, time
from pathlib import Path
from random import Random

from orchestration.catalog import Catalog, RespondentGroup, load_catalog

from . import arguments
from .answers import indicator_effects
from .dirt import (
    LATE_EXPORT_GROUP,
    LATE_EXPORT_QUESTIONNAIRES,
    corrected,
    dissolved_sender,
    with_duplicated_row,
)
from .exports import Export, split_in_parts, table
from .profiles import ForbundProfile, build_profiles
from .responses import Response, ResponseIds, build_responses
from .summary import DemoSummary
from .timing import export_time, later_time, to_timestamp
from .tool_exports import TOOL_GROUP, ToolExport, ToolNumbers, tool_export_bytes, tool_of
from .volumes import plan_year
from .writers import export_bytes

RESEND_MIN_RESPONSES = 5
CORRECTED_QUESTIONNAIRES = (1, 4)


@dataclass(frozen=True)
class _File:
    name: str
    data: bytes
    exported_at: datetime
    format_name: str


@dataclass
class _Run:
    catalog: Catalog
    profiles: dict[str, ForbundProfile]
    seed: int
    scale: float
    latest: datetime
    effects: dict[int, float]
    ids: ResponseIds
    summary: DemoSummary
    tool_numbers: ToolNumbers


def groups_in(catalog: Catalog, year: int) -> list[RespondentGroup]:
    """Survey forms in use in ``year`` (remittent from 2021; forms with questions only)."""
    return [
        group
        for group in catalog.respondent_groups
        if group.first_year <= year and catalog.questions_for(group.code, year)
    ]


def _render(run: _Run, export: Export, duplicate_rows: bool) -> _File:
    profile = run.profiles[export.forbund_id]
    fmt = profile.format_in(export.year)
    questions = run.catalog.questions_for(export.group, export.year)
    headers, rows = table(export, profile, questions)
    if duplicate_rows:
        rng = Random(f"{run.seed}:{export.file_name('rows')}")
        with_duplicated_row(rng, rows, run.summary.dirt)
    data = export_bytes(headers, rows, fmt, profile.group_labels[export.group], export.exported_at)
    return _File(export.file_name(fmt.kind), data, export.exported_at, fmt.name)


def _year_exports(run: _Run, year: int) -> list[Export]:
    groups = groups_in(run.catalog, year)
    plan = plan_year(run.catalog, run.profiles, run.seed, year, [g.code for g in groups], run.scale)
    summary = run.summary
    summary.questionnaires_per_year[year] = 0
    summary.questionnaires_per_group[year] = {group.code: 0 for group in groups}
    summary.forbund_per_year[year] = []
    exports = []
    for forbund_id in sorted(plan):
        profile = run.profiles[forbund_id]
        for group in groups:
            count = plan[forbund_id][group.code]
            if count == 0:
                continue
            rng = Random(f"{run.seed}:{year}:{forbund_id}:{group.code}")
            questions = run.catalog.questions_for(group.code, year)
            responses = build_responses(
                rng, year, profile, group, questions, count, run.effects, run.ids, summary.dirt
            )
            summary.questionnaires_per_year[year] += count
            summary.questionnaires_per_group[year][group.code] += count
            summary.answer_cells += count * len(questions)
            for number, part in enumerate(split_in_parts(responses, profile.exports_per_form), 1):
                moment = export_time(rng, part[-1].submitted, run.latest)
                exports.append(Export(year, forbund_id, group.code, number, tuple(part), moment))
        if any(plan[forbund_id].values()):
            summary.forbund_per_year[year].append(forbund_id)
    summary.associations_per_year[year] = len(summary.forbund_per_year[year])
    return exports


def _next_number(exports: list[Export], forbund_id: str, group: str) -> int:
    return 1 + max(e.number for e in exports if (e.forbund_id, e.group) == (forbund_id, group))


def _sent_twice(
    run: _Run, rng: Random, exports: list[Export], files: list[_File]
) -> tuple[_File, Export]:
    """The same file uploaded again under another name, a few days later."""
    index = rng.randrange(len(exports))
    original, source = exports[index], files[index]
    number = _next_number(exports, original.forbund_id, original.group)
    again = replace(original, number=number)
    extension = source.name.rsplit(".", 1)[1]
    moment = later_time(rng, original.exported_at, run.latest, 6)
    run.summary.dirt.duplicate_files += 1
    run.summary.sent_twice.append((source.name, again.file_name(extension)))
    return _File(again.file_name(extension), source.data, moment, source.format_name), original


def _corrected_resend(run: _Run, rng: Random, exports: list[Export], taken: Export) -> _File | None:
    """An export sent again with the same svar_ids and a few answers corrected, later."""
    candidates = [
        e
        for e in exports
        if len(e.responses) >= RESEND_MIN_RESPONSES
        and (e.forbund_id, e.group) != (taken.forbund_id, taken.group)
    ]
    if not candidates:
        return None
    original = rng.choice(candidates)
    questions = run.catalog.questions_for(original.group, original.year)
    responses = list(original.responses)
    changed = 0
    for index in sorted(rng.sample(range(len(responses)), rng.randint(*CORRECTED_QUESTIONNAIRES))):
        answers, count = corrected(rng, responses[index].answers, questions)
        responses[index] = replace(responses[index], answers=answers)
        changed += count
    resend = replace(
        original,
        number=_next_number(exports, original.forbund_id, original.group),
        responses=tuple(responses),
        exported_at=later_time(rng, original.exported_at, run.latest, 40),
    )
    run.summary.dirt.corrected_resends += 1
    run.summary.dirt.corrected_answers += changed
    file = _render(run, resend, duplicate_rows=False)
    extension = file.name.rsplit(".", 1)[1]
    run.summary.corrected_resends.append((original.file_name(extension), file.name))
    return file


def _late_export(run: _Run, exports: list[Export], year: int) -> _File | None:
    """A few staff questionnaires of ``year`` still sent in the name of an association that had
    merged into another by then (the loader counts them for the successor). The old survey account
    numbers its responses as the successor's does, so its svar_ids repeat the successor's own."""
    rng = Random(f"{run.seed}:{year}:late-export")
    summary = run.summary
    merger = dissolved_sender(rng, run.catalog, year, summary.forbund_per_year.get(year, []))
    questions = run.catalog.questions_for(LATE_EXPORT_GROUP, year)
    if merger is None or not questions:
        return None
    group = run.catalog.group_by_code[LATE_EXPORT_GROUP]
    count = max(1, round(rng.randint(*LATE_EXPORT_QUESTIONNAIRES) * run.scale))
    profile = run.profiles[merger.predecessor_id]
    responses = build_responses(
        rng, year, profile, group, questions, count, run.effects, run.ids, summary.dirt
    )
    successor = run.catalog.counting_forbund(merger.predecessor_id, year)
    own_ids = [
        response.svar_id
        for export in exports
        if (export.forbund_id, export.group) == (successor, group.code)
        for response in export.responses
    ]
    reused = own_ids[:count]
    responses = [
        replace(response, svar_id=svar_id)
        for response, svar_id in zip(responses, reused, strict=False)
    ] + responses[len(reused) :]
    moment = export_time(rng, responses[-1].submitted, run.latest)
    export = Export(year, merger.predecessor_id, group.code, 1, tuple(responses), moment)
    summary.questionnaires_per_year[year] += count
    summary.questionnaires_per_group[year][group.code] += count
    summary.answer_cells += count * len(questions)
    file = _render(run, export, duplicate_rows=False)
    summary.late_exports.append((file.name, merger.predecessor_id, successor))
    return file


def _write_file(run: _Run, out_dir: Path, file: _File) -> None:
    path = out_dir / file.name
    path.write_bytes(file.data)
    stamp = to_timestamp(file.exported_at)
    os.utime(path, (stamp, stamp))
    run.summary.files.append(file.name)
    formats = run.summary.files_by_format
    formats[file.format_name] = formats.get(file.format_name, 0) + 1


def _is_tool_export(export: Export) -> bool:
    return export.group == TOOL_GROUP and tool_of(export.forbund_id) is not None


def _tool_files(run: _Run, exports: list[Export]) -> list[_File]:
    """The tool users' staff exports, cumulative: the n-th holds parts 1..n; the last of a year
    with more than one has its first response edited in the tool."""
    by_survey: dict[str, list[Export]] = {}
    for export in exports:
        by_survey.setdefault(export.forbund_id, []).append(export)
    files = []
    for forbund_id, parts in by_survey.items():
        tool, survey_id = tool_of(forbund_id)
        parts.sort(key=lambda export: export.number)
        questions = run.catalog.questions_for(TOOL_GROUP, parts[0].year)
        numbered: list[tuple[int, Response]] = []
        for index, part in enumerate(parts):
            for response in part.responses:
                numbered.append((run.tool_numbers.number(forbund_id, response.svar_id), response))
            held = list(numbered)
            # Google Forms has no response id: an edit there is a new response (sources/README)
            edited = index == len(parts) - 1 and index > 0 and tool != "google-forms"
            if edited:
                rng = Random(f"{run.seed}:{part.year}:{forbund_id}:edit")
                number, first = held[0]
                answers, _count = corrected(rng, first.answers, questions)
                held[0] = (number, replace(first, answers=answers))
            export = ToolExport(tool, survey_id, questions, held, part.exported_at)
            name = f"{part.file_name('x').rsplit('.', 1)[0]}-{export.suffix()}.{export.extension}"
            files.append(_File(name, tool_export_bytes(export), part.exported_at, tool))
            run.summary.tool_exports.append((name, tool))
            if edited:
                run.summary.tool_edits.append((name, held[0][0]))
    return files


def _write_year(run: _Run, out_dir: Path, year: int, with_resend: bool) -> list[Export]:
    """Write the year's exports (the tool users' as their tools write them), the file sent
    twice and the corrected re-send; the exports."""
    everything = _year_exports(run, year)
    exports = [export for export in everything if not _is_tool_export(export)]
    files = [_render(run, export, duplicate_rows=True) for export in exports]
    if exports:
        rng = Random(f"{run.seed}:{year}:resends")
        twice, taken = _sent_twice(run, rng, exports, files)
        files.append(twice)
        resend = _corrected_resend(run, rng, exports, taken) if with_resend else None
        if resend is not None:
            files.append(resend)
    files += _tool_files(run, [export for export in everything if _is_tool_export(export)])
    for file in files:
        _write_file(run, out_dir, file)
    return everything


def write_demo_exports(
    out_dir: Path,
    seed: int = 2017,
    first_year: int = 2017,
    last_year: int = 2025,
    scale: float = 1.0,
    catalog: Catalog | None = None,
) -> DemoSummary:
    """Write seeded, realistic raw exports for measurement years first_year..last_year into
    ``out_dir`` (flat) and return what was written. The same arguments give the same bytes."""
    today = arguments.today()
    arguments.validate_arguments(first_year, last_year, scale, today)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"The output folder {out_dir} is an existing file, not a folder.")
    catalog = catalog or load_catalog()
    out_dir.mkdir(parents=True, exist_ok=True)
    run = _Run(
        catalog=catalog,
        profiles=build_profiles(catalog, seed),
        seed=seed,
        scale=scale,
        latest=datetime.combine(today, time()),
        effects=indicator_effects(seed),
        ids=ResponseIds(),
        summary=DemoSummary(out_dir=out_dir),
        tool_numbers=ToolNumbers(),
    )
    exports: list[Export] = []
    for index, year in enumerate(range(first_year, last_year + 1)):
        exports = _write_year(run, out_dir, year, with_resend=index % 2 == 0)
    late = _late_export(run, exports, last_year)  # last, so no other file changes
    if late is not None:
        _write_file(run, out_dir, late)
    run.summary.files.sort()
    return run.summary
