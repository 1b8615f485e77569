"""Files made to hurt: each is refused quickly, with a message saying why.

Zip bombs (with an honest and with a lying zip directory), XML with a DTD,
cells of a megabyte, lines of megabytes, rows wider than any list. The limits
are the settings' (`BANSOS_IMPORT_MAX_*`), made small here where a file of
the default size would only slow the tests down.
"""

import io
import struct
import zipfile
from xml.sax.saxutils import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from imports import limits, sources
from imports.limits import FileRejected, GuardedZipFile, Limits
from imports.lists import RECIPIENTS
from imports.sources import open_sheet

from .conftest import HEADER, csv_bytes, xlsx_bytes

ROW = ["2024", "Karang Taruna", "Karang Taruna Tunas", "75.02.01.2004", "15000000"]
MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MB = 1024 * 1024


class Shared(int):
    """A cell holding shared string number `self`, as Excel writes text."""


def letter(column: int) -> str:
    return limits.column_letter(column)


def cell_xml(reference: str, value) -> str:
    if isinstance(value, Shared):
        return f'<c r="{reference}" t="s"><v>{int(value)}</v></c>'
    if isinstance(value, str):
        return f'<c r="{reference}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{reference}"><v>{value}</v></c>'


def sheet_xml(rows, *, prolog=b"", dimension="A1:E3") -> bytes:
    """A sheet of `rows` (lists of values, from column A, from row 1)."""
    body = "".join(
        f'<row r="{number}">'
        + "".join(
            cell_xml(f"{letter(column)}{number}", value)
            for column, value in enumerate(row, start=1)
            if value is not None
        )
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )
    return (
        XML_DECLARATION
        + prolog
        + b"<worksheet "
        + MAIN_NS
        + f'><dimension ref="{dimension}"/><sheetData>{body}</sheetData>'.encode()
        + b"</worksheet>"
    )


def strings_xml(*texts: str, prolog=b"") -> bytes:
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in texts)
    return XML_DECLARATION + prolog + b"<sst " + MAIN_NS + f">{items}</sst>".encode()


def workbook(sheet: bytes, strings=None, *, replace=None, compress_type=None) -> bytes:
    """An XLSX as openpyxl writes it, with our sheet and, given as bytes or as
    an iterable of chunks (streamed, never held whole), our shared strings."""
    template = zipfile.ZipFile(io.BytesIO(xlsx_bytes([ROW])))
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in template.infolist():
            data = template.read(info)
            if info.filename == "[Content_Types].xml" and strings is not None:
                data = data.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet
            archive.writestr(
                info.filename,
                replace.pop(info.filename, data),
                compress_type=compress_type,
            )
        for name, data in replace.items():
            archive.writestr(name, data)
        if strings is not None:
            info = zipfile.ZipInfo("xl/sharedStrings.xml", (2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as part:
                for chunk in [strings] if isinstance(strings, bytes) else strings:
                    part.write(chunk)
    return out.getvalue()


def shared_strings_bomb(inflated: int):
    """sharedStrings.xml as the known attack has it: a run of one letter that
    deflates about a thousandfold, streamed in chunks."""
    yield XML_DECLARATION + b"<sst " + MAIN_NS + b">"
    yield "".join(f"<si><t>{text}</t></si>" for text in [*HEADER, *ROW]).encode()
    yield b"<si><t>"
    chunk = b"a" * (4 * MB)
    for _ in range(inflated // len(chunk)):
        yield chunk
    yield b"</t></si></sst>"


def many_strings(inflated: int):
    """sharedStrings.xml of millions of short strings, deflating a hundredfold."""
    yield XML_DECLARATION + b"<sst " + MAIN_NS + b">"
    yield "".join(f"<si><t>{text}</t></si>" for text in [*HEADER, *ROW]).encode()
    chunk = b"<si><t>Karang Taruna Tunas Harapan</t></si>" * 100_000
    for _ in range(inflated // len(chunk)):
        yield chunk
    yield b"</sst>"


def bomb_sheet() -> bytes:
    return sheet_xml([[Shared(i) for i in range(5)], [Shared(i) for i in range(5, 10)]])


def understated(content: bytes, name: str, size: int) -> bytes:
    """The zip with its directory (and the part's local header) lying that part
    `name` inflates to `size` bytes."""
    data = bytearray(content)
    for signature, size_at, length_at, name_at in (
        (b"PK\x01\x02", 24, 28, 46),
        (b"PK\x03\x04", 22, 26, 30),
    ):
        position = data.find(signature)
        while position >= 0:
            length = struct.unpack_from("<H", data, position + length_at)[0]
            start = position + name_at
            if data[start : start + length] == name.encode():
                struct.pack_into("<I", data, position + size_at, size)
            position = data.find(signature, position + 4)
    return bytes(data)


def read(content: bytes):
    with open_sheet(io.BytesIO(content), RECIPIENTS, max_bytes=50 * MB) as sheet:
        return sheet, list(sheet.rows)


def refusal(content: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        read(content)
    return caught.value.message


@pytest.fixture
def openpyxl_must_not_load(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("openpyxl was given the file")

    monkeypatch.setattr(sources, "_load_workbook", fail)


# Zip bombs.


def test_a_workbook_whose_shared_strings_inflate_past_the_limit_is_refused_before_parsing(
    openpyxl_must_not_load,
):
    content = workbook(bomb_sheet(), shared_strings_bomb(120 * MB))
    assert len(content) < 1 * MB  # 120 MB of text in a small upload
    inflated = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert refusal(content) == limits.MSG_INFLATED_TOO_LARGE % {
        "size": "120.1",  # rounded up
        "max": "100",
    }
    assert 120 * MB < inflated <= 120.1 * MB


def test_a_workbook_whose_directory_understates_a_part_is_refused_as_damaged():
    honest = workbook(bomb_sheet(), shared_strings_bomb(120 * MB))
    lying = understated(honest, "xl/sharedStrings.xml", 4000)
    assert refusal(lying) == limits.MSG_PART_MISMATCH % {"part": "xl/sharedStrings.xml"}


def test_the_inflated_total_of_all_parts_is_limited_too(settings):
    settings.BANSOS_IMPORT_MAX_INFLATED_BYTES = 60_000
    sheet = bomb_sheet()
    strings = strings_xml(*HEADER, *ROW, "x" * 20_000)
    extra = {f"xl/media/padding{i}.bin": b"\x00" * 20_000 for i in range(3)}
    # Each part is under the limit; together they are not.
    assert refusal(workbook(sheet, strings, replace=extra)).startswith(
        "Isi berkas Excel terlalu besar setelah dibuka"
    )


def test_reading_a_part_stops_once_it_inflates_past_the_limit_whatever_the_directory_says():
    content = workbook(bomb_sheet(), many_strings(8 * MB))
    small = Limits(max_inflated_bytes=MB, max_cell_chars=10_000, max_columns=200)
    # The directory check is skipped: only the counting while reading is left.
    archive = GuardedZipFile(io.BytesIO(content), small, size=len(content))
    with archive.open("xl/sharedStrings.xml") as part:
        with pytest.raises(FileRejected) as caught:
            part.read()
        assert part.count <= MB + limits.READ_CHUNK
    assert caught.value.message.startswith("Isi berkas Excel terlalu besar")


def test_reading_stops_once_the_parts_read_together_inflate_past_the_limit():
    content = workbook(bomb_sheet())
    names = ["xl/styles.xml", "xl/theme/theme1.xml", "xl/workbook.xml"]
    sizes = [zipfile.ZipFile(io.BytesIO(content)).getinfo(n).file_size for n in names]
    # Each part is under the limit; the three together are not.
    tight = Limits(
        max_inflated_bytes=sum(sizes) - 1, max_cell_chars=10_000, max_columns=200
    )
    archive = GuardedZipFile(io.BytesIO(content), tight, size=len(content))
    archive.read(names[0])
    archive.read(names[1])
    archive.read(names[0])  # read again: the same bytes, not more of them
    with pytest.raises(FileRejected) as caught:
        archive.read(names[2])
    assert caught.value.message.startswith("Isi berkas Excel terlalu besar")


def test_a_workbook_compressed_otherwise_than_excel_does_is_refused(
    openpyxl_must_not_load,
):
    content = workbook(bomb_sheet(), compress_type=zipfile.ZIP_BZIP2)
    assert refusal(content) == limits.MSG_UNKNOWN_COMPRESSION % {
        "part": "docProps/app.xml"
    }


def test_a_zip_directory_larger_than_any_workbook_has_is_refused_before_it_is_read(
    monkeypatch,
):
    monkeypatch.setattr(limits, "MAX_DIRECTORY_BYTES", 1000)
    content = workbook(
        bomb_sheet(), replace={f"xl/media/{i}.png": b"" for i in range(20)}
    )
    assert refusal(content).startswith("Berkas Excel memuat terlalu banyak bagian")


# XML declarations.

BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">'.encode() for n in range(2, 10)
    ).replace(b"&lol1;", b"&lol;")
    + b"]>"
)


@pytest.mark.parametrize(
    "content",
    [
        workbook(sheet_xml([HEADER, ROW], prolog=BILLION_LAUGHS)),
        workbook(
            bomb_sheet(),
            strings_xml(
                *HEADER,
                *ROW,
                prolog=b'<!DOCTYPE sst SYSTEM "http://example.org/sst.dtd">',
            ),
        ),
        workbook(
            sheet_xml([HEADER, ROW]),
            replace={
                "xl/workbook.xml": b'<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                b"<workbook/>"
            },
        ),
        workbook(
            sheet_xml(
                [HEADER, ROW],
                prolog=b"<!-- " + b"x" * 200_000 + b" --><!DOCTYPE worksheet>",
            )
        ),
        workbook(
            sheet_xml([HEADER, ROW], prolog=b"<!DOCTYPE worksheet>")
            .decode()
            .replace('encoding="UTF-8"', 'encoding="UTF-16"')
            .encode("utf-16")
        ),
    ],
    ids=[
        "entities in the sheet",
        "a bare DTD in the shared strings",
        "an external entity in the workbook",
        "a DTD after a long comment",
        "a DTD in UTF-16",
    ],
)
def test_xml_with_a_dtd_or_entities_is_refused_in_any_part(content):
    assert refusal(content) == limits.MSG_XML_DECLARATIONS


# Cells and columns, CSV and XLSX alike.


def test_a_csv_with_an_unquoted_cell_of_a_megabyte_is_refused_naming_row_and_column():
    content = csv_bytes([[*ROW[:2], "x" * MB, *ROW[3:]]])
    assert refusal(content) == sources.MSG_CELL_TOO_LONG % {
        "row": 2,
        "column": "C (nama_lembaga)",
        "max": "10.000",
    }


def test_a_quoted_cell_of_a_megabyte_with_delimiters_and_line_breaks_is_named_too():
    big = ('Majelis "Al-Ikhlas"; Desa\nBongo ' * 40_000)[:MB]
    content = csv_bytes([ROW, [*ROW[:3], big, ROW[4]]])
    assert refusal(content) == sources.MSG_CELL_TOO_LONG % {
        "row": 3,
        "column": "D (kode_desa)",
        "max": "10.000",
    }


def test_a_csv_line_of_megabytes_without_a_delimiter_is_refused_not_a_crash():
    content = csv_bytes([]) + b"y" * (5 * MB) + b"\r\n"
    assert refusal(content) == sources.MSG_CELL_TOO_LONG % {
        "row": 2,
        "column": "A (tahun)",
        "max": "10.000",
    }


def test_a_csv_line_too_long_for_its_columns_is_refused_naming_the_column_past_the_limit(
    settings,
):
    settings.BANSOS_IMPORT_MAX_CELL_CHARS = 20
    settings.BANSOS_IMPORT_MAX_COLUMNS = 6
    content = csv_bytes([["2024", "KT", "Nama", "75", "1"] + ["abc"] * 40])
    # Longer than six cells of 20 characters can be: too long for csv to be
    # given; the first cell with data past the sixth column is named.
    assert refusal(content) == sources.MSG_TOO_MANY_COLUMNS % {
        "row": 2,
        "column": "G",
        "number": "7",
        "max": "6",
    }


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_longer_than_the_setting_is_refused_naming_row_column_and_header(
    settings, kind
):
    settings.BANSOS_IMPORT_MAX_CELL_CHARS = 50
    rows = [ROW, [*ROW[:2], "Karang Taruna " * 5, *ROW[3:]]]
    content = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    assert refusal(content) == sources.MSG_CELL_TOO_LONG % {
        "row": 3,
        "column": "C (nama_lembaga)",
        "max": "50",
    }


def test_a_long_shared_string_is_refused_at_the_cell_that_shows_it(settings):
    settings.BANSOS_IMPORT_MAX_CELL_CHARS = 50
    strings = strings_xml(*HEADER, *ROW, "Majelis Taklim " * 5)
    rows = [[Shared(i) for i in range(5)], [Shared(i) for i in range(5, 10)]]
    rows.append([Shared(5), Shared(6), Shared(10), Shared(8), Shared(9)])
    content = workbook(sheet_xml(rows), strings)
    assert refusal(content) == sources.MSG_CELL_TOO_LONG % {
        "row": 3,
        "column": "C (nama_lembaga)",
        "max": "50",
    }


def test_a_shared_string_longer_than_excel_allows_is_refused_while_being_read():
    strings = strings_xml(*HEADER, *ROW, "x" * 40_000)
    assert refusal(workbook(bomb_sheet(), strings)) == (
        limits.MSG_TEXT_BEYOND_EXCEL % {"max": "32.767"}
    )


def test_an_inline_cell_of_a_megabyte_is_refused_naming_its_header():
    content = workbook(sheet_xml([HEADER, ROW, [*ROW[:3], "z" * MB, ROW[4]]]))
    assert refusal(content) == sources.MSG_CELL_TOO_LONG % {
        "row": 3,
        "column": "D (kode_desa)",
        "max": "10.000",
    }


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_data_past_the_column_limit_is_refused_naming_row_and_column(settings, kind):
    settings.BANSOS_IMPORT_MAX_COLUMNS = 6
    rows = [ROW, [*ROW, None, None, "catatan"]]
    if kind == "csv":
        content = csv_bytes([[cell or "" for cell in row] for row in rows])
    else:
        content = workbook(sheet_xml([HEADER, *rows]))
    assert refusal(content) == sources.MSG_TOO_MANY_COLUMNS % {
        "row": 3,
        "column": "H",
        "number": "8",
        "max": "6",
    }


def test_empty_cells_past_the_column_limit_are_dropped_not_refused(settings):
    settings.BANSOS_IMPORT_MAX_COLUMNS = 6
    # Excel pads a CSV to its widest line; spaces count as empty.
    content = csv_bytes([[*ROW, "", " ", "", ""]], header=[*HEADER, "", "", "", ""])
    _sheet, rows = read(content)
    assert rows == [(2, [*ROW, ""])]


def test_a_sheet_claiming_every_column_is_read_as_wide_as_its_cells():
    # Formatted empty cells out to XFD, and a <dimension> to match, as
    # LibreOffice can write: neither makes rows 16,384 cells wide.
    sheet = sheet_xml([HEADER, ROW], dimension="A1:XFD1048576").replace(
        b"</row>", b'<c r="XFD1" s="1"/></row>', 1
    )
    sheet, rows = read(workbook(sheet))
    assert rows == [(2, ROW)]
    # Empty cells past the column limit are left out, even in the header row.
    assert sheet.headers == HEADER


def test_a_row_numbered_beyond_excel_is_refused_before_openpyxl_walks_to_it():
    sheet = sheet_xml([HEADER, ROW]).replace(b'<row r="2">', b'<row r="99999999999">')
    assert refusal(workbook(sheet)) == limits.MSG_ROW_BEYOND_EXCEL % {
        "row": 99999999999,
        "max": "1.048.576",
    }


def test_a_row_of_more_cells_than_excel_has_columns_is_refused():
    cells = b'<c s="1"/>' * (limits.EXCEL_MAX_COLUMNS + 1)
    sheet = sheet_xml([HEADER, ROW]).replace(b'<row r="2">', b'<row r="2">' + cells)
    assert refusal(workbook(sheet)) == limits.MSG_ROW_TOO_MANY_CELLS % {
        "row": 2,
        "max": "16.384",
    }


def test_a_sheet_damaged_after_its_first_rows_is_refused_naming_the_last_good_row():
    sheet = sheet_xml([HEADER, ROW, [Shared(999), *ROW[1:]]])
    message = refusal(workbook(sheet, strings_xml(*HEADER)))
    assert message.startswith(sources.MSG_BROKEN_XLSX_ROW % {"row": 2, "error": ""})


# On the page and on the command line.


@pytest.mark.django_db
def test_the_import_page_refuses_a_zip_bomb_with_its_message(client, program, operator):
    client.force_login(operator)
    bomb = workbook(bomb_sheet(), shared_strings_bomb(120 * MB))
    response = client.post(
        "/impor/",
        {"kind": "penerima", "file": SimpleUploadedFile("daftar.xlsx", bomb)},
        follow=True,
    )
    assert response.status_code == 200
    assert "Isi berkas Excel terlalu besar setelah dibuka" in response.content.decode()


@pytest.mark.django_db
def test_the_command_line_refuses_a_csv_with_a_megabyte_cell_with_its_message(
    program, tmp_path, capsys
):
    path = tmp_path / "daftar.csv"
    path.write_bytes(csv_bytes([[*ROW[:2], "x" * MB, *ROW[3:]]]))
    with pytest.raises(CommandError):
        call_command("import_recipients", str(path), "--dry-run")
    assert "baris 2, kolom C (nama_lembaga) terlalu panjang" in capsys.readouterr().out


def test_a_shared_string_table_too_large_to_hold_in_memory_is_refused_before_parsing(
    settings, monkeypatch
):
    """Millions of short strings under the inflated limit: openpyxl would hold
    them all (about 4.5 bytes of memory per byte), so the table has its own cap."""
    settings.BANSOS_IMPORT_MAX_SHARED_STRINGS_BYTES = 2 * MB
    content = workbook(bomb_sheet(), many_strings(8 * MB))
    read_strings = []
    monkeypatch.setattr(
        "openpyxl.reader.excel.ExcelReader.read_strings",
        lambda self: read_strings.append(self),
    )
    message = refusal(content)
    assert message.startswith(limits.MSG_SHARED_STRINGS_TOO_LARGE.split("(")[0])
    assert "paling besar 2 MB" in message
    assert not read_strings  # refused before openpyxl read a single string


def test_a_shared_string_table_under_its_cap_is_read(settings):
    settings.BANSOS_IMPORT_MAX_SHARED_STRINGS_BYTES = 2 * MB
    _sheet, rows = read(workbook(bomb_sheet(), strings_xml(*HEADER, *ROW)))
    assert len(rows) == 1
