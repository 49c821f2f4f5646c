"""The front door in words: what `finsam check` says about a tool's export, and what
`finsam sources` lists. Swedish, for the associations' contact persons."""

from __future__ import annotations

from orchestration.ingest.sources.registry import Registry


def source_lines(report) -> list[str]:
    """Lines on the tool recognised, the columns' mapping, the value maps and, for a survey
    without a declaration, the declaration to add."""
    if report is None or report.tool == "contract":
        return []
    lines = [
        f"Verktyg: {report.tool_name}"
        + (f" (enkät {report.survey_id})" if report.survey_id else "")
    ]
    if report.survey:
        lines.append(f"Deklaration: {report.survey} ({report.declaration_file})")
    for column, became in report.mapping:
        lines.append(f"  kolumn {column!r} → {became}")
    if report.value_maps:
        lines.append("Värden översätts enligt deklarationen: " + ", ".join(report.value_maps))
    if report.personal:
        lines.append(
            "Kolumner som kan identifiera en person (läses inte, sparas inte): "
            + ", ".join(report.personal)
        )
    if report.proposal:
        lines.append(
            "Fyll i förbund och enkät i den här deklarationen och skicka den till den som sköter "
            "datalagret (som lägger den i sources/surveys/; finsam sources visar om den är rätt):"
        )
        lines += ["    " + line for line in report.proposal.splitlines()]
    return lines


def registry_lines(registry: Registry) -> list[str]:
    lines = [f"Verktyg ({len(registry.tools)}):"]
    for tool in sorted(registry.tools.values(), key=lambda t: t.tool):
        lines.append(f"  {tool.tool}: {tool.name} ({', '.join(tool.formats)})")
    lines.append(f"Deklarerade enkäter ({len(registry.surveys)}), i {registry.root / 'surveys'}:")
    for declared in sorted(registry.surveys, key=lambda d: d.survey.id):
        survey = declared.survey
        match = ", ".join(
            f"{key}={value!r}"
            for key, value in survey.match.model_dump(exclude_defaults=True).items()
        )
        lines.append(
            f"  {survey.id}: {survey.tool}, {declared.forbund_id}, {declared.respondent_group}; "
            f"känns igen på {match} ({declared.file})"
        )
    return lines
