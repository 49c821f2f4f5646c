"""What reading one export produces: its questionnaires, its refusals, and the load of the file
as a whole, with the audit.file_loads row it becomes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import datetime
from json.encoder import encode_basestring_ascii
from operator import attrgetter, itemgetter

from orchestration.ingest.readers import UnreadableFile


class FileRejected(UnreadableFile):
    """The file as a whole cannot be loaded under today's rules (unknown association or survey
    form, no declaration, columns the contract needs): read again when the rules change."""

    cause = "rules"


@dataclass
class Rejection:
    kind: str  # file_rejected | column_unmatched | row_rejected | answer_rejected | row_duplicate
    row_number: int | None
    field: str | None
    raw_value: str | None
    reason: str


@dataclass(frozen=True)
class Attribution:
    """Why a questionnaire counts for another association than the one its file names."""

    merged_year: int  # from this measurement year on the named association counts for the other
    reason: str  # Swedish, without file and row: "förbundet 'X' (kolumn F) gick upp i Y 2024; …"


@dataclass
class Submission:
    row_number: int
    forbund_id: str  # the association the questionnaire counts for
    reported_forbund_id: str  # the association the file names; identifies the response
    forbund_raw: str
    respondent_group: str
    svar_id: str
    submitted_at: datetime
    measurement_year: int
    gender: str | None
    kon_raw: str
    insats: str | None
    fritext: str | None
    answers: list[tuple[str, str, int | None, bool]]  # question_id, raw, value, is_dont_know
    attribution: Attribution | None = None  # set when forbund_id is not reported_forbund_id
    # row_hash once asked (a worker that read the file asks, then the loader): only then are the
    # answers complete
    known_row_hash: str | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        """The response's identity: the association as the file names it, so that a merged
        association's svar_id never meets its successor's own."""
        return (self.reported_forbund_id, self.respondent_group, self.svar_id)

    @property
    def row_hash(self) -> str:
        if self.known_row_hash is None:
            self.known_row_hash = self._content_hash()
        return self.known_row_hash

    def _content_hash(self) -> str:
        """Fingerprint of the questionnaire's content: equal hashes mean an identical re-send.

        The sha256 of ``json.dumps`` of [reported_forbund_id, respondent_group, svar_id,
        submitted_at in ISO format, gender, insats, fritext, the [question_id, value,
        is_dont_know] of the answers sorted by question], the text written out here directly:
        json.dumps took 10 µs a questionnaire, more than all the rest of its checks. Warehouses
        hold these hashes, so the text must never change (tests pin it to json.dumps).
        """
        texts = [
            self.reported_forbund_id,
            self.respondent_group,
            self.svar_id,
            self.submitted_at.isoformat(),
            self.gender,
            self.insats,
            self.fritext,
        ]
        # question_ids are unique within a questionnaire: sorting by them sorts the triples
        fragments = _FRAGMENTS
        answers = ", ".join(
            [
                fragments.get(answer) or _fragment(answer)
                for answer in sorted(self.answers, key=_QUESTION_ID)
            ]
        )
        payload = f"[{', '.join(map(_json_string, texts))}, [{answers}]]"
        return hashlib.sha256(payload.encode()).hexdigest()


_QUESTION_ID = itemgetter(0)
# The text of an answer in the payload, by answer: a file repeats a few ("7", "Vet ej") per
# question, so each is written once (bounded: a hostile file's many distinct ones are not kept).
_FRAGMENTS: dict[tuple, str] = {}


def _fragment(answer: tuple[str, str, int | None, bool]) -> str:
    qid, _raw, value, dont_know = answer
    fragment = (
        f"[{_json_string(qid)}, {'null' if value is None else value}, "
        f"{'true' if dont_know else 'false'}]"
    )
    if len(_FRAGMENTS) < 100_000:
        _FRAGMENTS[answer] = fragment
    return fragment


def _json_string(text: str | None) -> str:
    """A string (or null) as json.dumps writes it, escaped to ASCII by json's own encoder."""
    return "null" if text is None else encode_basestring_ascii(text)


@dataclass
class ParsedFile:
    submissions: list[Submission] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    forbund_ids: set[str] = field(default_factory=set)
    respondent_groups: set[str] = field(default_factory=set)
    svar_id_field: str = "svar_id"  # the svar_id column's header as the file spells it
    # Measurement year of every row whose submission time was read (a reload picks one year's
    # rows, refusals and duplicates by it).
    row_years: dict[int, int] = field(default_factory=dict)

    def __getstate__(self) -> dict:
        """Pickled by a worker process that read the file (read_ahead.py): each questionnaire as a
        tuple of its values with its row hash, computed here, and its answers in one list.
        Pickled as objects, one per questionnaire, they cost the receiving process about as
        much to unpickle as reading the file had."""
        state = dict(self.__dict__)
        submissions = state.pop("submissions")
        for submission in submissions:
            submission.row_hash  # noqa: B018 (computed here, in the worker)
        state["submission_rows"] = list(map(_submission_values, submissions))
        state["answers"] = [answer for s in submissions for answer in s.answers]
        return state

    def __setstate__(self, state: dict) -> None:
        rows, answers = state.pop("submission_rows"), state.pop("answers")
        submissions, start = [], 0
        for values in rows:
            end = start + values[-1]
            submissions.append(
                Submission(*values[:_ANSWERS_AT], answers[start:end], *values[_ANSWERS_AT:-1])
            )
            start = end
        self.__dict__.update(state, submissions=submissions)


# A questionnaire as the tuple ParsedFile pickles: every field but its answers, in the
# constructor's order (its row hash last), then how many answers it has
_FIELDS_BUT_ANSWERS = [f.name for f in fields(Submission) if f.name != "answers"]
_ANSWERS_AT = [f.name for f in fields(Submission)].index("answers")
_values_but_answers = attrgetter(*_FIELDS_BUT_ANSWERS)


def _submission_values(submission: Submission) -> tuple:
    return (*_values_but_answers(submission), len(submission.answers))


@dataclass
class FileLoad:
    """One file's load: its audit.file_loads row (``audit_row``) and what was read of it."""

    file_name: str
    file_path: str
    sha256: str
    file_size: int | None
    file_modified_at: datetime | None
    loaded_at: datetime
    status: str = "loaded"  # loaded | rejected | duplicate
    file_format: str | None = None
    encoding: str | None = None
    archived_path: str | None = None
    forbund_ids: str | None = None
    respondent_groups: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    answers_rejected: int = 0
    columns_unmatched: int = 0
    rows_attributed: int = 0
    source_tool: str | None = None
    source_survey: str | None = None
    personal_columns: str | None = None
    archived_sha256: str | None = None
    rules_fingerprint: str | None = None
    refusal_cause: str | None = None
    message: str = ""
    load_id: int | None = None
    run_id: str | None = None
    # what was read, not part of the audit row
    parsed: ParsedFile | None = field(default=None, repr=False)
    rejections: list[Rejection] = field(default_factory=list, repr=False)
    notes: list[str] = field(default_factory=list, repr=False)
    source: object | None = field(default=None, repr=False)  # sources.adapt.SourceReport

    @classmethod
    def of_row(cls, row: dict) -> FileLoad:
        """The load an audit.file_loads row records (its columns the dataclass knows)."""
        return cls(**{name: row[name] for name in AUDIT_COLUMNS if name in row})

    def audit_row(self) -> dict:
        """The file's row of audit.file_loads."""
        return {name: getattr(self, name) for name in AUDIT_COLUMNS}


_NOT_AUDITED = {"parsed", "rejections", "notes", "source"}
AUDIT_COLUMNS = [f.name for f in fields(FileLoad) if f.name not in _NOT_AUDITED]
