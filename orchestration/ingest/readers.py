"""Turn one raw export file into a header and rows of text, whatever its format.

Each reader returns a :class:`Table`; anything that cannot be read raises :class:`UnreadableFile`
with the reason for the coordinator who sent the file (a clause in lower case: the loader puts
the file name in front and makes one sentence of it).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from orchestration.ingest.guards import unpacked_size_refusal
from orchestration.settings import DEFAULT_MAX_FILE_MB

# .tsv and .txt are read as CSV: the separator is found from the header line
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
CSV_SEPARATORS = (",", ";", "\t")
# The loader and reload-year pass the setting (Settings.max_file_bytes); a reader used on its own
# (a test, a script) keeps the embedded default.
DEFAULT_MAX_FILE_BYTES = DEFAULT_MAX_FILE_MB * 1024 * 1024
SEPARATOR_SAMPLE_CHARS = 65536
SEPARATOR_SAMPLE_ROWS = 21


class UnreadableFile(Exception):
    """The whole file is refused; the message says why.

    ``row_number``, ``field`` and ``raw_value`` point at the cell that caused it, when one did.
    ``cause`` says whether the file's own bytes are the reason ("content": it stays refused
    until they change) or a rule that may change ("rules": the catalogue, the declarations).
    """

    cause = "content"

    def __init__(
        self,
        reason: str,
        row_number: int | None = None,
        field: str | None = None,
        raw_value: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.row_number = row_number
        self.field = field
        self.raw_value = raw_value


@dataclass
class Table:
    """A file's header and non-blank rows.

    Row numbers are what the coordinator sees: in CSV and XLSX the record number as a spreadsheet
    shows it (the header is row 1, data starts at row 2, a quoted line break does not start a new
    row); in JSON Lines, which has no header row, the line number.
    """

    headers: list[str]
    rows: list[tuple[int, list[object]]]
    file_format: str
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    # Rows the reader could not split into values: (row number, raw text, reason).
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)
    # Where each header was first seen, when that is not row 1 (JSON Lines keys).
    header_rows: list[int] | None = None
    # CSV only: a row with more values than the header has lost its alignment.
    check_widths: bool = False
    # Set when a survey tool's export was turned into the contract (sources/adapt.py): rows
    # refused before parsing (row number, field, value, reason), the headings already matched,
    # a measurement year the declaration fixes, and what the front door made of the file.
    refused_rows: list[tuple[int, str, str, str]] = field(default_factory=list)
    header_map: object | None = None
    sheet: str | None = None  # XLSX: the sheet read
    measurement_year: int | None = None
    source: object | None = None

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.bad_rows) + len(self.refused_rows)


# A multi-byte UTF-8 character; Swedish Windows-1252 text practically never contains one (it would
# take a letter such as "Ã" followed by a symbol such as "¶").
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode error handler: a byte that is not valid UTF-8 is read as Windows-1252."""
    byte = error.object[error.start : error.start + 1]
    return bytes(byte).decode("cp1252", errors="replace"), error.start + 1


codecs.register_error("finsam-cp1252-fallback", _cp1252_fallback)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM, "utf-16-le" or "utf-16-be": text that is mostly ASCII has a NUL in
    every other byte, the second of each pair in little-endian order, the first in big-endian."""
    head = data[:512]
    if len(head) < 8:
        return None
    if head[1::2].count(0) > len(head) * 0.4:
        return "utf-16-le"
    if head[0::2].count(0) > len(head) * 0.4:
        return "utf-16-be"
    return None


_RESAVE = "spara den som CSV UTF-8 (eller Windows-1252) och skicka den igen"
_BINARY = (
    "filen innehåller binära data och är ingen textfil; hela filen avvisas; "
    "skicka exporten som CSV, XLSX eller JSON Lines"
)


def _decode_utf16(data: bytes, codec: str) -> tuple[str, str]:
    """UTF-16, as Excel's "Unicode text" writes it."""
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"filen är sparad med teckenkodningen UTF-16 men är trasig vid byte {error.start} "
            f"(den kan vara avkortad); hela filen avvisas; {_RESAVE}"
        ) from error
    if "\x00" in text[:32768]:  # two NUL bytes in a row: binary data, not text
        raise UnreadableFile(_BINARY)
    return text.removeprefix("\ufeff"), "utf-16"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), UTF-16 (with or without BOM) or Windows-1252, byte by
    byte when a file mixes UTF-8 and Windows-1252.

    Returns the text and a label for the encoding that was found: utf-8, utf-8-sig, utf-16,
    windows-1252 or "mixed utf-8/windows-1252". Raises :class:`UnreadableFile` for UTF-32 and
    binary data, which would otherwise turn into a screenful of garbage.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise UnreadableFile(
            f"filen är sparad med teckenkodningen UTF-32, som inte kan läsas; hela filen avvisas; "
            f"{_RESAVE}"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_utf16(data, "utf-16")  # the BOM says which byte order
    without_bom = _utf16_without_bom(data)
    if without_bom is not None:
        return _decode_utf16(data, without_bom)
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    if b"\x00" in data[:65536]:
        raise UnreadableFile(_BINARY)
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    if not _UTF8_SEQUENCE.search(data):
        return data.decode("cp1252", errors="replace"), "windows-1252"
    return data.decode("utf-8", errors="finsam-cp1252-fallback"), "mixed utf-8/windows-1252"


def _first_record_line(text: str) -> str:
    """The header line, up to the first line break outside quotes."""
    in_quotes = False
    for index, char in enumerate(text):
        if char == '"':
            in_quotes = not in_quotes
        elif char in "\r\n" and not in_quotes:
            return text[:index]
    return text


def _count_outside_quotes(line: str) -> dict[str, int]:
    counts = {sep: 0 for sep in CSV_SEPARATORS}
    in_quotes = False
    for char in line:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    return counts


def detect_separator(text: str) -> str:
    """The separator of a CSV export: comma, semicolon or tab.

    Candidates are the characters found outside quotes in the header line. When there is more
    than one, the one that splits the first rows into as many fields as the header wins (a
    semicolon file whose question texts hold commas); ties go to the most frequent.
    """
    counts = _count_outside_quotes(_first_record_line(text))
    ranked = sorted((sep for sep in CSV_SEPARATORS if counts[sep]), key=lambda sep: -counts[sep])
    if not ranked:
        return ","
    if len(ranked) == 1:
        return ranked[0]
    sample = text[:SEPARATOR_SAMPLE_CHARS]
    scores = {}
    for sep in ranked:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=sep)
        records = [record for record in itertools.islice(reader, SEPARATOR_SAMPLE_ROWS) if record]
        scores[sep] = sum(len(record) == counts[sep] + 1 for record in records)
    return max(ranked, key=lambda sep: scores[sep])


def _nonblank(values: list[object]) -> bool:
    return any(v is not None and str(v).strip() != "" for v in values)


def _strip_sep_hint(text: str) -> tuple[str, str | None]:
    """Excel's "sep=;" first line names the separator; Excel hides that line when opening."""
    if text[:4].lower() == "sep=" and len(text) >= 5 and text[4] in CSV_SEPARATORS:
        rest = text[5:]
        return rest.lstrip("\r").removeprefix("\n"), text[4]
    return text, None


def read_csv(path: Path) -> Table:
    text, encoding = decode_text(path.read_bytes())
    if not text.strip():
        raise UnreadableFile(_EMPTY)
    text, hinted = _strip_sep_hint(text)
    separator = hinted or detect_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        records = list(reader)
    except csv.Error as error:
        raise UnreadableFile(
            f"filen går inte att läsa som CSV ({error}); hela filen avvisas"
        ) from error
    if not records or not _nonblank(records[0]):
        raise UnreadableFile("filen saknar rubrikrad; hela filen avvisas")
    headers = [h.strip() for h in records[0]]
    rows = [
        (number, values) for number, values in enumerate(records[1:], start=2) if _nonblank(values)
    ]
    table = Table(headers, rows, "csv", encoding)
    if encoding.startswith("mixed"):
        table.notes.append("filen blandar teckenkodningarna UTF-8 och Windows-1252")
    table.notes.append(f"Avgränsare: {'tabb' if separator == chr(9) else separator}")
    table.check_widths = True
    return table


def _cell(value: object) -> object:
    """A spreadsheet value as the loader reads it: a whole number as an int, a date cell as
    midnight of that day (a date and a date-time cell read alike), an empty cell as None."""
    if value.__class__ is float and value.is_integer():
        return int(value)
    if value == "":
        return None
    if value.__class__ is date:
        return datetime.combine(value, time())
    return value


_XLSX_BROKEN = (
    "filen går inte att öppna som Excelfil (XLSX), den verkar trasig eller ofullständig; "
    "hela filen avvisas; spara den på nytt och skicka den igen"
)
_EMPTY = "filen är tom; hela filen avvisas"


def read_xlsx(
    path: Path,
    sheet_chooser: Callable[[list[str]], str | None],
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> Table:
    """The first sheet, or the first sheet whose name ``sheet_chooser`` picks (a survey form);
    refused unread when it would unpack to more than ``max_file_bytes``.

    Read with calamine (a compiled reader, some twenty times faster than openpyxl on survey
    exports). It reads every cell the sheet holds, whatever its <dimension> element claims (some
    export tools write "A1"), and from cell A1, so that row and column numbers are the ones a
    spreadsheet shows.
    """
    from python_calamine import CalamineWorkbook  # imported here: only XLSX files pay for it

    refusal = unpacked_size_refusal(path, max_file_bytes)
    if refusal is not None:
        raise UnreadableFile(refusal)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # whatever calamine raises, the file is unreadable
        raise UnreadableFile(_XLSX_BROKEN) from error
    try:
        if not workbook.sheet_names:
            raise UnreadableFile("Excelfilen har inga blad; hela filen avvisas")
        chosen = sheet_chooser(workbook.sheet_names) or workbook.sheet_names[0]
        try:
            records = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
        except Exception as error:  # a broken sheet part or zip member
            raise UnreadableFile(_XLSX_BROKEN) from error
    finally:
        workbook.close()
    if not records or not _nonblank(records[0]):
        raise UnreadableFile(
            f"bladet {chosen!r} är tomt eller har ingen rubrikrad på rad 1; hela filen avvisas"
        )
    # Every row is as wide as the sheet: a value beyond the last heading is a column without a
    # heading, reported as such (never dropped unseen).
    headers = ["" if h is None else str(h).strip() for h in records[0]]
    rows = [
        (number, [_cell(v) for v in values])
        for number, values in enumerate(records[1:], start=2)
        if _nonblank(values)
    ]
    return Table(headers, rows, "xlsx", None, [f"Blad: {chosen}"], sheet=chosen)


def read_jsonl(path: Path) -> Table:
    """One JSON object per line; a line that is not one is a rejected row, not a lost file."""
    text, encoding = decode_text(path.read_bytes())
    if not text.strip():
        raise UnreadableFile(_EMPTY)
    first_seen: dict[str, int] = {}
    objects: list[tuple[int, dict]] = []
    bad_rows: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            bad_rows.append((number, line.strip(), f"raden är inte giltig JSON ({error.msg})"))
            continue
        if not isinstance(obj, dict):
            bad_rows.append((number, line.strip(), "raden är inte ett JSON-objekt"))
            continue
        for key in obj:
            first_seen.setdefault(key, number)
        objects.append((number, obj))
    if not objects and not bad_rows:
        raise UnreadableFile(_EMPTY)
    if not objects:
        raise UnreadableFile(
            f"ingen rad är ett giltigt JSON-objekt (rad {bad_rows[0][0]}: {bad_rows[0][2]}); "
            "hela filen avvisas"
        )
    keys = list(first_seen)
    rows = [(number, [obj.get(key) for key in keys]) for number, obj in objects]
    table = Table([key.strip() for key in keys], rows, "jsonl", encoding, bad_rows=bad_rows)
    table.header_rows = [first_seen[key] for key in keys]
    return table


def read_table(
    path: Path,
    sheet_chooser: Callable[[list[str]], str | None],
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> Table:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path, sheet_chooser, max_file_bytes)
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    raise UnreadableFile(
        f"filtypen {suffix or '(utan filändelse)'} stöds inte; hela filen avvisas; "
        "skicka exporten som CSV, XLSX eller JSON Lines"
    )


def cell_moment(value: object) -> datetime | None:
    """A spreadsheet's date or date-time cell as a datetime (a date at midnight); else None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    return None


def as_text(value: object) -> str:
    """A cell as the text a person would see, '' for empty."""
    if value.__class__ is str:  # nearly every cell: checked first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
