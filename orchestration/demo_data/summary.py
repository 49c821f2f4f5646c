"""What one run of the demo-data generator wrote, for the CLI and for tests."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path


@dataclass
class DirtCounts:
    """Planted imperfections, counted once per questionnaire as the loader should keep it.

    Answer counts are over answer cells of unique questionnaires (duplicated rows, the
    identical re-sent file and corrected re-sends are not counted again). Corrections only
    change one valid answer into another valid answer, so these counts hold after loading.
    """

    dont_know_answers: int = 0
    blank_answers: int = 0
    out_of_range_answers: int = 0
    text_answers: int = 0
    blank_kon: int = 0
    duplicated_rows: int = 0
    duplicate_files: int = 0
    corrected_resends: int = 0
    corrected_answers: int = 0
    fritext_comments: int = 0
    fritext_with_separators: int = 0
    fritext_with_quotes: int = 0
    fritext_with_line_breaks: int = 0

    def as_dict(self) -> dict[str, int]:
        return {item.name: getattr(self, item.name) for item in fields(self)}


@dataclass
class DemoSummary:
    out_dir: Path
    files: list[str] = field(default_factory=list)
    files_by_format: dict[str, int] = field(default_factory=dict)
    questionnaires_per_year: dict[int, int] = field(default_factory=dict)
    questionnaires_per_group: dict[int, dict[str, int]] = field(default_factory=dict)
    associations_per_year: dict[int, int] = field(default_factory=dict)
    forbund_per_year: dict[int, list[str]] = field(default_factory=dict)
    answer_cells: int = 0
    # (original file, copy) pairs: identical bytes re-sent, and corrected re-sends.
    sent_twice: list[tuple[str, str]] = field(default_factory=list)
    corrected_resends: list[tuple[str, str]] = field(default_factory=list)
    # (file, merged association it names, association it counts for): questionnaires still sent
    # in the name of an association that had merged into another (counted in the volumes above).
    late_exports: list[tuple[str, str, str]] = field(default_factory=list)
    # survey tools' cumulative exports: (file, tool), and (file, svar_id) of each edited response
    tool_exports: list[tuple[str, str]] = field(default_factory=list)
    tool_edits: list[tuple[str, int]] = field(default_factory=list)
    dirt: DirtCounts = field(default_factory=DirtCounts)

    @property
    def files_written(self) -> int:
        return len(self.files)

    def lines(self) -> list[str]:
        """A short human-readable report, one fact per line."""
        years = sorted(self.questionnaires_per_year)
        lines = [f"Wrote {self.files_written} files to {self.out_dir}"]
        lines += [f"  {name}: {count}" for name, count in sorted(self.files_by_format.items())]
        lines += [
            f"{year}: {self.questionnaires_per_year[year]} questionnaires "
            f"from {self.associations_per_year[year]} associations"
            for year in years
        ]
        lines += [
            f"Late export from a merged association: {name} ({named} -> counts for {successor})"
            for name, named, successor in self.late_exports
        ]
        lines.append(f"Planted dirt (of {self.answer_cells} answer cells):")
        lines += [f"  {name}: {count}" for name, count in self.dirt.as_dict().items()]
        return lines
