"""Empty cells of one worksheet of an XLSX file by editing its XML, leaving every other part of
the file as it was.

openpyxl reads the whole workbook into objects and writes it anew: 180 ms for a small export,
seconds and hundreds of megabytes for a large one, only to empty a few columns. Here the
worksheet's cells are rewritten in its XML text, and the shared strings that only the emptied
cells used are blanked, so that the text they held leaves the file too (a shared string lives in
xl/sharedStrings.xml, not in the cell). Everything else (the other sheets, styles, the code book)
is copied byte for byte. A worksheet this does not understand (a cell without its reference, or
links and comments of its own) gives None, and the caller falls back to openpyxl.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.sax.saxutils import unescape

# <c .../> or <c ...>...</c>, with the prefix a workbook may give the main namespace (<x:c>);
# text inside a cell is escaped, so no "</c>" occurs before the cell's own end
_CELL = re.compile(r"<((?:[\w.-]+:)?c)(?=[\s/>])([^>]*?)(?:/>|>(.*?)</\1>)", re.S)
_REFERENCE = re.compile(r'(?:^|\s)r="([A-Z]{1,3})([0-9]+)"')
_TYPE = re.compile(r'\s+t="[^"]*"')
_SHARED = re.compile(r'(?:^|\s)t="s"')
_VALUE = re.compile(r"<(?:[\w.-]+:)?v>\s*([0-9]+)\s*</")
_SHARED_STRING = re.compile(r"<((?:[\w.-]+:)?si)(?=[\s/>])[^>]*?(?:/>|>.*?</\1>)", re.S)
_SHEET = re.compile(r"<(?:[\w.-]+:)?sheet(?=[\s/>])([^>]*?)/?>")
_RELATIONSHIP = re.compile(r"<(?:[\w.-]+:)?Relationship(?=[\s/>])([^>]*?)/?>")
_ATTRIBUTE = re.compile(r'([\w:.-]+)="([^"]*)"')
FIXED_DATE_TIME = (2000, 1, 1, 0, 0, 0)
_QUOTES = {"&quot;": '"', "&apos;": "'"}  # beside the &amp; &lt; &gt; unescape knows


class NotUnderstood(Exception):
    """The workbook is laid out in a way this module does not edit."""


def column_index(letters: str) -> int:
    """0 for A, 25 for Z, 26 for AA."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def emptied_xlsx(data: bytes, sheet: str, columns: set[int], header_rows: int) -> bytes | None:
    """The workbook with the cells of `columns` (0-based) of `sheet` emptied below its header
    rows, or None if it is laid out in a way this does not edit."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            parts = {info.filename: book.read(info) for info in book.infolist()}
            order = book.infolist()
        worksheet, shared_strings = _part_names(parts, sheet)
        folder, name = posixpath.split(worksheet)
        if f"{folder}/_rels/{name}.rels" in parts:
            # hyperlinks (a mailto: on an e-mail cell), comments and drawings hang off the
            # worksheet's own relationships: openpyxl's rewrite clears those of emptied cells
            raise NotUnderstood("a worksheet with relationships of its own")
        text = parts[worksheet].decode("utf-8")
        emptied_strings: set[int] = set()
        kept_strings: set[int] = set()

        def empty(cell: re.Match) -> str:
            tag, attributes, content = cell.group(1), cell.group(2), cell.group(3) or ""
            reference = _REFERENCE.search(attributes)
            if reference is None:
                raise NotUnderstood("a cell without its reference")
            shared = _shared_index(attributes, content)
            hidden = int(reference.group(2)) > header_rows and (
                column_index(reference.group(1)) in columns
            )
            if not hidden:
                if shared is not None:
                    kept_strings.add(shared)
                return cell.group(0)
            if shared is not None:
                emptied_strings.add(shared)
            return f"<{tag}{_TYPE.sub('', attributes)}/>"

        parts[worksheet] = _CELL.sub(empty, text).encode("utf-8")
        for name, content in parts.items():
            if name != worksheet and name.startswith("xl/worksheets/") and name.endswith(".xml"):
                for cell in _CELL.finditer(content.decode("utf-8")):
                    shared = _shared_index(cell.group(2), cell.group(3) or "")
                    if shared is not None:
                        kept_strings.add(shared)
        blanked = emptied_strings - kept_strings
        if blanked:
            if shared_strings is None:
                raise NotUnderstood("shared strings without their part")
            parts[shared_strings] = _blank_strings(parts[shared_strings], blanked)
    except (NotUnderstood, KeyError, UnicodeDecodeError, zipfile.BadZipFile):
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in order:
            # one fixed time: the same file gives the same copy (and hash) whenever it is read
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            copy.writestr(entry, parts[info.filename])
    return buffer.getvalue()


def _shared_index(attributes: str, content: str) -> int | None:
    if not _SHARED.search(attributes):
        return None
    value = _VALUE.search(content)
    return int(value.group(1)) if value else None


def _blank_strings(xml: bytes, blanked: set[int]) -> bytes:
    position = -1

    def blank(item: re.Match) -> str:
        nonlocal position
        position += 1
        if position not in blanked:
            return item.group(0)
        tag = item.group(1)
        prefix = tag[: -len("si")]
        return f"<{tag}><{prefix}t></{prefix}t></{tag}>"

    return _SHARED_STRING.sub(blank, xml.decode("utf-8")).encode("utf-8")


def _part_names(parts: dict[str, bytes], sheet: str) -> tuple[str, str | None]:
    """The zip entries of the named worksheet and of the shared strings."""
    relations = {
        attributes.get("Id"): attributes
        for attributes in _attributes(_RELATIONSHIP, parts["xl/_rels/workbook.xml.rels"])
    }
    worksheet = None
    for attributes in _attributes(_SHEET, parts["xl/workbook.xml"]):
        if unescape(attributes.get("name", ""), _QUOTES) == sheet:
            identifier = next((v for k, v in attributes.items() if k.endswith(":id")), None)
            worksheet = _target(relations[identifier]["Target"])
    if worksheet is None or worksheet not in parts:
        raise NotUnderstood(f"no worksheet {sheet!r}")
    shared = next(
        (
            _target(attributes["Target"])
            for attributes in relations.values()
            if attributes.get("Type", "").endswith("/sharedStrings")
        ),
        None,
    )
    return worksheet, shared if shared in parts else None


def _attributes(pattern: re.Pattern, xml: bytes) -> list[dict[str, str]]:
    return [
        dict(_ATTRIBUTE.findall(match.group(1))) for match in pattern.finditer(xml.decode("utf-8"))
    ]


def _target(target: str) -> str:
    """A relationship's target as a zip entry name: relative to xl/, or absolute from the root."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))
