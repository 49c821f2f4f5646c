"""Redacting an XLSX export by editing its worksheet's XML (orchestration/ingest/sources/
sheet_xml.py): the same cells as openpyxl's rewrite, no trace of the emptied text anywhere in the
file, and openpyxl where the layout is not understood."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from orchestration.ingest.readers import read_table
from orchestration.ingest.sources.redact import redacted_xlsx, rewritten_xlsx
from orchestration.ingest.sources.sheet_xml import column_index, emptied_xlsx

EMAILS = ["anna@example.se", "bo@example.se", "cia@example.se"]


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
STRINGS = ["ID", "E-post", "P03A", "Kommentar", *EMAILS, "Vet ej", "Ok", "Bra", "kontakt"]


def workbook(path):
    """As Excel and most survey tools write it, with shared strings. Data: a header row, then
    id, e-mail, answer and comment; the fourth e-mail cell says "Vet ej", as an answer cell also
    does, and a Codebook sheet names one of the e-mails: those two shared strings must stay."""

    def text(value: str) -> str:
        return f'<c r="{{}}" t="s"><v>{STRINGS.index(value)}</v></c>'

    def number(value: int) -> str:
        return f'<c r="{{}}"><v>{value}</v></c>'

    rows = [
        [text("ID"), text("E-post"), text("P03A"), text("Kommentar")],
        [number(1), text(EMAILS[0]), number(7), text("Ok")],
        [number(2), text(EMAILS[1]), text("Vet ej"), text("Ok")],
        [number(3), text(EMAILS[2]), number(7)],
        [number(4), text("Vet ej"), number(5), text("Bra")],
    ]
    sheet_data = "".join(
        f'<row r="{r}">'
        + "".join(cell.format(f"{'ABCD'[i]}{r}") for i, cell in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    codebook = f'<row r="1">{text("kontakt").format("A1")}{text(EMAILS[2]).format("B1")}</row>'
    shared = "".join(f"<si><t>{value}</t></si>" for value in STRINGS)
    sheet = '<?xml version="1.0"?><worksheet xmlns="{}"><sheetData>{}</sheetData></worksheet>'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for n in (1, 2)
            )
            + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            '<sheet name="Data" sheetId="1" r:id="rId1"/>'
            '<sheet name="Codebook" sheetId="2" r:id="rId2"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/worksheet" '
            'Target="/xl/worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet.format(MAIN, sheet_data),
        "xl/worksheets/sheet2.xml": sheet.format(MAIN, codebook),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0"?><sst xmlns="{MAIN}" count="{len(STRINGS)}" '
            f'uniqueCount="{len(STRINGS)}">{shared}</sst>'
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, content in parts.items():
            book.writestr(name, content)
    return path


def cells(data: bytes, sheet: str) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [[cell.value for cell in row] for row in book[sheet].iter_rows()]


def every_part(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return b"".join(book.read(name) for name in book.namelist())


def test_the_xml_edit_empties_the_same_cells_as_openpyxl_and_keeps_everything_else(tmp_path):
    path = workbook(tmp_path / "export.xlsx")
    edited = emptied_xlsx(path.read_bytes(), "Data", {1}, header_rows=1)
    assert edited is not None
    rewritten = rewritten_xlsx(path, "Data", {1}, header_rows=1)
    assert cells(edited, "Data") == cells(rewritten, "Data")
    assert cells(edited, "Data") == [
        ["ID", "E-post", "P03A", "Kommentar"],
        [1, None, 7, "Ok"],
        [2, None, "Vet ej", "Ok"],
        [3, None, 7, None],
        [4, None, 5, "Bra"],
    ]
    assert cells(edited, "Codebook") == [["kontakt", "cia@example.se"]]
    parts = every_part(edited)
    # the e-mails only the emptied cells used are gone from the shared strings too
    assert b"anna@example.se" not in parts and b"bo@example.se" not in parts
    assert emptied_xlsx(path.read_bytes(), "Data", {1}, header_rows=1) == edited  # no clock
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(edited)
    table = read_table(copy, lambda names: "Data")  # the loader's own reader, as reload-year
    assert table.headers == ["ID", "E-post", "P03A", "Kommentar"]
    assert [number for number, _values in table.rows] == [2, 3, 4, 5]
    assert all(values[1] in (None, "") for _number, values in table.rows)


def test_inline_strings_and_a_namespace_prefix_are_edited_too(tmp_path):
    path = workbook(tmp_path / "export.xlsx")
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    parts["xl/worksheets/sheet1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<x:sheetData>"
        b'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>ID</x:t></x:is></x:c>'
        b'<x:c r="B1" t="inlineStr"><x:is><x:t>E-post</x:t></x:is></x:c></x:row>'
        b'<x:row r="2"><x:c r="A2"><x:v>1</x:v></x:c>'
        b'<x:c r="B2" s="0" t="inlineStr"><x:is><x:t>dan@example.se</x:t></x:is></x:c></x:row>'
        b"</x:sheetData></x:worksheet>"
    )
    source = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(source, "w") as book:
        for name, content in parts.items():
            book.writestr(name, content)
    edited = redacted_xlsx(source, "Data", {1}, header_rows=1)
    assert b"dan@example.se" not in every_part(edited)
    assert cells(edited, "Data") == [["ID", "E-post"], [1, None]]


def test_a_layout_it_does_not_understand_goes_to_openpyxl(tmp_path):
    path = workbook(tmp_path / "export.xlsx")
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    # a cell without its reference (allowed: it follows the one before)
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b' r="A2"', b"", 1
    )
    source = tmp_path / "unreferenced.xlsx"
    with zipfile.ZipFile(source, "w") as book:
        for name, content in parts.items():
            book.writestr(name, content)
    assert emptied_xlsx(source.read_bytes(), "Data", {1}, header_rows=1) is None
    redacted = redacted_xlsx(source, "Data", {1}, header_rows=1)
    assert b"anna@example.se" not in every_part(redacted)
    assert [row[1] for row in cells(redacted, "Data")] == ["E-post", None, None, None, None]
    assert emptied_xlsx(b"not a zip", "Data", {1}, 1) is None


def test_column_letters_are_indexes():
    assert [column_index(letters) for letters in ("A", "Z", "AA", "AZ", "XFD")] == [
        0, 25, 26, 51, 16383,
    ]  # fmt: skip


def test_a_link_on_an_emptied_cell_is_gone_too(tmp_path):
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    data.append(["ID", "E-post"])
    data.append([1, "eva@example.se"])
    data["B2"].hyperlink = "mailto:eva@example.se"
    data["B2"].comment = openpyxl.comments.Comment("eva@example.se svarade sent", "x")
    path = tmp_path / "linked.xlsx"
    book.save(path)
    assert emptied_xlsx(path.read_bytes(), "Data", {1}, header_rows=1) is None
    redacted = redacted_xlsx(path, "Data", {1}, header_rows=1)
    assert b"eva@example.se" not in every_part(redacted)
    assert cells(redacted, "Data") == [["ID", "E-post"], [1, None]]
