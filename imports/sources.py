"""Open an uploaded list as rows of cells, whatever Excel made of it.

The file's content decides how it is read, never its name: XLSX (a zip with a
workbook inside) through openpyxl's streaming reader; anything else must be
text, UTF-8 with or without BOM, UTF-16 with BOM, or else Windows-1252, with
`;`, `,` or tab between cells. Rows are streamed, never held all at once.
"""

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .columns import ColumnSet

MSG_EMPTY = gettext_noop("Berkas kosong.")
MSG_HEADER_ONLY = gettext_noop("Berkas hanya berisi judul kolom, tanpa baris data.")
MSG_TOO_LARGE = gettext_noop(
    "Berkas terlalu besar (%(size)s MB); paling besar %(max)s MB. Pecah menjadi "
    "beberapa berkas."
)
MSG_NOT_TABULAR = gettext_noop(
    "Berkas ini bukan CSV atau Excel (XLSX). Simpan daftar dari Excel sebagai "
    "\u201cCSV\u201d atau \u201cBuku Kerja Excel (.xlsx)\u201d."
)
MSG_OLD_EXCEL = gettext_noop(
    "Berkas Excel lama (.xls) tidak dapat dibaca. Buka di Excel lalu simpan sebagai "
    "\u201cBuku Kerja Excel (.xlsx)\u201d atau CSV."
)
MSG_BROKEN_XLSX = gettext_noop("Berkas Excel tidak dapat dibaca: %(error)s")
MSG_BROKEN_CSV = gettext_noop(
    "Berkas CSV tidak dapat dibaca pada baris %(row)s: %(error)s"
)
MSG_NO_HEADER = gettext_noop(
    "Judul kolom tidak ditemukan di 10 baris pertama. Baris judul harus memuat "
    "nama kolom seperti %(expected)s."
)
MSG_OTHER_SHEETS = gettext_noop(
    "Berkas memiliki %(count)s lembar kerja; hanya lembar pertama (%(sheet)s) yang dibaca."
)

SNIFF_BYTES = 64 * 1024
HEADER_SEARCH_ROWS = 10
DELIMITERS = (";", ",", "\t")
# Signatures of files people pick by mistake: images, PDFs, archives, documents.
BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"BM",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"RIFF",
    b"\x00\x00\x01\x00",
)
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# openpyxl reads shared strings whole; refuse workbooks that inflate absurdly.
MAX_INFLATION = 25


class FileRejected(Exception):
    """The file as a whole cannot be imported; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """The rows of a list below its header row, numbered as Excel shows them."""

    format: str
    headers: list
    header_row: int
    rows: Iterator[tuple[int, list]]
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)
    # How far through the file the rows read so far are, from 0 to 1.
    progress: Callable[[], float] = lambda: 0.0


def file_size(fileobj: BinaryIO) -> int:
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileRejected(
            _(MSG_TOO_LARGE)
            % {"size": f"{size / 1_048_576:.1f}", "max": f"{max_bytes / 1_048_576:g}"}
        )
    if size == 0:
        raise FileRejected(_(MSG_EMPTY))


@contextmanager
def open_sheet(fileobj: BinaryIO, columns: ColumnSet, *, max_bytes: int):
    """Yield the `Sheet` of an uploaded file, or raise `FileRejected`."""
    check_size(file_size(fileobj), max_bytes)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    if head.startswith(ZIP_SIGNATURE):
        with _xlsx_sheet(fileobj, columns, max_bytes=max_bytes) as sheet:
            yield sheet
        return
    if head.startswith(OLE_SIGNATURE):
        raise FileRejected(_(MSG_OLD_EXCEL))
    encoding = _text_encoding(fileobj, head)
    if encoding is None:
        raise FileRejected(_(MSG_NOT_TABULAR))
    size = file_size(fileobj)
    text = io.TextIOWrapper(fileobj, encoding=encoding, errors="replace", newline="")
    try:
        sheet = _csv_sheet(text, columns, encoding)
        sheet.progress = lambda: min(fileobj.tell() / size, 1.0)
        yield sheet
    finally:
        text.detach()


def _text_encoding(fileobj: BinaryIO, head: bytes) -> str | None:
    """The encoding of a text file, or None when the file is not text."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(BINARY_SIGNATURES) or b"\x00" in head:
        return None
    if not head.strip():
        raise FileRejected(_(MSG_EMPTY))
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: fileobj.read(1 << 20), b""):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        encoding = "cp1252"
    else:
        encoding = "utf-8"
    finally:
        fileobj.seek(0)
    # Control characters other than tab and line breaks mean a binary file.
    sample = head.decode(encoding, errors="replace")
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\x0c")
    if controls > len(sample) // 100 + 2:
        return None
    return encoding


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _sniff_delimiter(lines: list[str], columns: ColumnSet) -> str:
    """The delimiter under which some early line reads as the most known headers."""
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        recognised = max(
            (columns.recognised(_split(line, delimiter)) for line in lines), default=0
        )
        cells = max((len(_split(line, delimiter)) for line in lines), default=0)
        score = (recognised, cells)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _find_header(
    first_rows: list[tuple[int, list]], columns: ColumnSet
) -> tuple[int, list]:
    best = max(
        first_rows,
        key=lambda item: (columns.recognised(item[1]), -item[0]),
        default=None,
    )
    if best is None:
        raise FileRejected(_(MSG_EMPTY))
    if columns.recognised(best[1]) == 0:
        raise FileRejected(
            _(MSG_NO_HEADER) % {"expected": ", ".join(columns.names[:6]) + ", ..."}
        )
    return best


def _is_blank(row) -> bool:
    for cell in row:
        if cell.__class__ is str:
            if cell and not cell.isspace():
                return False
        elif cell is not None:
            return False
    return True


def _with_header(
    rows: Iterator[tuple[int, list]], columns: ColumnSet
) -> tuple[int, list, Iterator[tuple[int, list]]]:
    """Find the header among the first rows; return it and the data rows after it."""
    first_rows = []
    for number, row in rows:
        if _is_blank(row):
            continue
        first_rows.append((number, row))
        if len(first_rows) == HEADER_SEARCH_ROWS:
            break
    if not first_rows:
        raise FileRejected(_(MSG_EMPTY))
    header_row, headers = _find_header(first_rows, columns)
    buffered = [(n, r) for n, r in first_rows if n > header_row]

    def data() -> Iterator[tuple[int, list]]:
        for number, row in buffered:
            yield number, row
        for number, row in rows:
            if not _is_blank(row):
                yield number, row

    return header_row, headers, data()


def _csv_sheet(text: io.TextIOWrapper, columns: ColumnSet, encoding: str) -> Sheet:
    lines = []
    for line in text:
        if line.strip():
            lines.append(line)
        if len(lines) == HEADER_SEARCH_ROWS:
            break
    if not lines:
        raise FileRejected(_(MSG_EMPTY))
    delimiter = _sniff_delimiter(lines, columns)
    text.seek(0)
    reader = csv.reader(text, delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for number, row in enumerate(reader, start=1):
                yield number, row
        except csv.Error as error:
            raise FileRejected(
                _(MSG_BROKEN_CSV) % {"row": number + 1, "error": error}
            ) from None

    header_row, headers, rows = _with_header(numbered(), columns)
    return Sheet(
        format="csv",
        headers=headers,
        header_row=header_row,
        rows=rows,
        encoding=encoding,
        delimiter=delimiter,
    )


@contextmanager
def _xlsx_sheet(fileobj: BinaryIO, columns: ColumnSet, *, max_bytes: int):
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileRejected(_(MSG_NOT_TABULAR)) from None
    if "xl/workbook.xml" not in names:
        raise FileRejected(_(MSG_NOT_TABULAR))
    if inflated > max_bytes * MAX_INFLATION:
        raise FileRejected(_(MSG_NOT_TABULAR))
    fileobj.seek(0)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise FileRejected(_(MSG_BROKEN_XLSX) % {"error": error}) from None
    try:
        worksheets = workbook.worksheets
        if not worksheets:
            raise FileRejected(_(MSG_EMPTY))
        worksheet = worksheets[0]
        seen = [0]

        def numbered() -> Iterator[tuple[int, list]]:
            for number, values in enumerate(
                worksheet.iter_rows(values_only=True), start=1
            ):
                seen[0] = number
                yield number, list(values)

        rows = numbered()
        header_row, headers, data = _with_header(rows, columns)
        last_row = worksheet.max_row or 0
        notes = []
        if len(worksheets) > 1:
            notes.append(
                _(MSG_OTHER_SHEETS)
                % {"count": len(worksheets), "sheet": worksheet.title}
            )
        yield Sheet(
            format="xlsx",
            headers=headers,
            header_row=header_row,
            rows=data,
            notes=notes,
            progress=lambda: min(seen[0] / last_row, 1.0) if last_row else 0.0,
        )
    finally:
        workbook.close()
