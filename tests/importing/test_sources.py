"""Opening what Excel really writes, and refusing what is not a list."""

import io
import zipfile

import pytest

from imports import sources
from imports.lists import RECIPIENTS
from imports.sources import FileRejected, open_sheet

from .conftest import HEADER, csv_bytes, xlsx_bytes

ROW = [
    "2024",
    "Karang Taruna",
    "Karang Taruna Tunas Harapan",
    "75.02.01.2004",
    "Rp 15.000.000",
]


def read(content: bytes, *, max_bytes: int = 10_000_000):
    with open_sheet(io.BytesIO(content), RECIPIENTS, max_bytes=max_bytes) as sheet:
        return sheet, [(number, row) for number, row in sheet.rows]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_delimiters_encodings_and_line_ends_are_recognised(
    delimiter, encoding, newline
):
    row = [*ROW[:2], "Karang Taruna Tunas Harapan Désa", *ROW[3:]]
    content = csv_bytes([row], delimiter=delimiter, encoding=encoding, newline=newline)
    sheet, rows = read(content)
    assert sheet.delimiter == delimiter
    assert [cell.strip() for cell in sheet.headers] == HEADER
    assert rows == [(2, row)]


def test_windows_1252_text_is_read_as_such():
    content = csv_bytes(
        [[*ROW[:2], "Panti Asuhan Santa Mária", *ROW[3:]]], encoding="cp1252"
    )
    sheet, rows = read(content)
    assert sheet.encoding == "cp1252"
    assert rows[0][1][2] == "Panti Asuhan Santa Mária"


def test_a_title_above_the_header_and_blank_rows_are_skipped():
    content = csv_bytes(
        [[], ["DAFTAR PENERIMA BANTUAN 2024", "", ""], HEADER, ROW, ["", "", ""], ROW],
        header=None,
    )
    sheet, rows = read(content)
    assert sheet.header_row == 3
    assert [number for number, _row in rows] == [4, 6]


def test_quoted_cells_with_delimiters_and_line_breaks():
    row = [*ROW[:2], 'Majelis "Al-Ikhlas"; Desa\nBongo', *ROW[3:]]
    _sheet, rows = read(csv_bytes([row]))
    assert rows[0][1][2] == 'Majelis "Al-Ikhlas"; Desa\nBongo'


def test_an_xlsx_keeps_numbers_and_dates_as_excel_stored_them():
    content = xlsx_bytes(
        [[2024, "KT", "Karang Taruna Tunas", "75.02.01.2004", 15000000]]
    )
    sheet, rows = read(content)
    assert sheet.format == "xlsx"
    assert rows == [(2, [2024, "KT", "Karang Taruna Tunas", "75.02.01.2004", 15000000])]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", sources.MSG_EMPTY),
        (b"\r\n\r\n  \r\n", sources.MSG_EMPTY),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, sources.MSG_NOT_TABULAR),
        (b"\xff\xd8\xff\xe0" + b"JFIF" * 50, sources.MSG_NOT_TABULAR),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", sources.MSG_NOT_TABULAR),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, sources.MSG_OLD_EXCEL),
        (bytes(range(256)) * 4, sources.MSG_NOT_TABULAR),
    ],
    ids=["empty", "blank lines", "png", "jpeg", "pdf", "xls", "binary"],
)
def test_files_that_are_not_lists_are_refused_by_content(content, message):
    with pytest.raises(FileRejected) as caught:
        read(content)
    assert caught.value.message == message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("daftar.csv", "tahun;nama_lembaga\n2024;X\n")
    with pytest.raises(FileRejected) as caught:
        read(buffer.getvalue())
    assert caught.value.message == sources.MSG_NOT_TABULAR


def test_a_file_over_the_limit_is_refused_before_reading():
    with pytest.raises(FileRejected) as caught:
        read(csv_bytes([ROW] * 100), max_bytes=1000)
    assert "terlalu besar" in caught.value.message


def test_a_text_without_any_known_header_is_refused():
    with pytest.raises(FileRejected) as caught:
        read(b"apa;ini;ya\r\n1;2;3\r\n")
    assert "Judul kolom tidak ditemukan" in caught.value.message
