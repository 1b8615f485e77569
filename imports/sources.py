"""Open an uploaded list as rows of cells, whatever Excel made of it.

The file's content decides how it is read, never its name: XLSX (a zip with a
workbook inside) through openpyxl's streaming reader; anything else must be
text, UTF-8 with or without BOM, UTF-16 with BOM, or else Windows-1252, with
`;`, `,` or tab between cells. Rows are streamed, never held all at once.

A file may be made to hurt: a workbook that inflates to gigabytes, XML with a
DTD, a cell of a megabyte, a line of twenty. `limits` guards the workbook's
zip and XML; here every row, of CSV and XLSX alike, is checked against
`BANSOS_IMPORT_MAX_CELL_CHARS` and `BANSOS_IMPORT_MAX_COLUMNS`, and a refusal
names the row, the column and, once the header is known, its header.
"""

import codecs
import csv
import dataclasses
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .columns import ColumnSet

# FileRejected is raised by the guards in `limits` too, so it is defined
# there; the rest of the app takes it from here, with `open_sheet`.
from .limits import (
    MSG_XML_DECLARATIONS,
    CellLimitExceeded,
    FileRejected,
    GuardedZipFile,
    Limits,
    column_letter,
    thousands,
)

MSG_EMPTY = gettext_noop("Berkas kosong.")
MSG_HEADER_ONLY = gettext_noop("Berkas hanya berisi judul kolom, tanpa baris data.")
MSG_TOO_LARGE = gettext_noop(
    "Berkas terlalu besar (%(size)s MB); paling besar %(max)s MB. Pecah menjadi "
    "beberapa berkas."
)
MSG_NOT_TABULAR = gettext_noop(
    "Berkas ini bukan CSV atau Excel (XLSX). Simpan daftar dari Excel sebagai "
    "“CSV” atau “Buku Kerja Excel (.xlsx)”."
)
MSG_OLD_EXCEL = gettext_noop(
    "Berkas Excel lama (.xls) tidak dapat dibaca. Buka di Excel lalu simpan sebagai "
    "“Buku Kerja Excel (.xlsx)” atau CSV."
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
MSG_BROKEN_XLSX_ROW = gettext_noop(
    "Berkas Excel tidak dapat dibaca setelah baris %(row)s: %(error)s"
)
MSG_CELL_TOO_LONG = gettext_noop(
    "Isi sel di baris %(row)s, kolom %(column)s terlalu panjang: lebih dari "
    "%(max)s karakter. Persingkat isinya, atau hapus bila tidak diperlukan."
)
MSG_TOO_MANY_COLUMNS = gettext_noop(
    "Baris %(row)s berisi data di kolom %(column)s (kolom ke-%(number)s), melewati "
    "batas %(max)s kolom. Hapus isi kolom yang tidak dipakai."
)
MSG_LINE_TOO_LONG = gettext_noop(
    "Baris %(row)s terlalu panjang (lebih dari %(max)s karakter) untuk dibaca "
    "sebagai satu baris daftar."
)

SNIFF_BYTES = 64 * 1024
# Lines are sniffed for their delimiter by their start only.
SNIFF_LINE_CHARS = 64 * 1024
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
# A header quoted in a message is cut to this many characters.
HEADER_IN_MESSAGE = 40


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
def open_sheet(
    fileobj: BinaryIO,
    columns: ColumnSet,
    *,
    max_bytes: int,
    limits: Limits | None = None,
):
    """Yield the `Sheet` of an uploaded file, or raise `FileRejected`.

    `limits` defaults to the settings (`BANSOS_IMPORT_MAX_*`).
    """
    limits = limits or Limits.from_settings()
    size = file_size(fileobj)
    check_size(size, max_bytes)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    if head.startswith(ZIP_SIGNATURE):
        with _xlsx_sheet(fileobj, columns, size=size, limits=limits) as sheet:
            yield sheet
        return
    if head.startswith(OLE_SIGNATURE):
        raise FileRejected(_(MSG_OLD_EXCEL))
    encoding = _text_encoding(fileobj, head)
    if encoding is None:
        raise FileRejected(_(MSG_NOT_TABULAR))
    text = io.TextIOWrapper(fileobj, encoding=encoding, errors="replace", newline="")
    try:
        sheet = _csv_sheet(text, columns, encoding, limits)
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
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:  # a line cut short inside quotes: near enough to sniff
        return line.split(delimiter)


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


def _checked(row: list, number: int, limits: Limits) -> list:
    """The row within the limits, or `CellLimitExceeded`.

    Empty cells past the last column allowed are dropped, not refused: Excel
    and LibreOffice write formatted empty cells far to the right, and a CSV
    saved by Excel pads every line to its widest.
    """
    max_columns = limits.max_columns
    if len(row) > max_columns:
        tail = row[max_columns:]
        if tail.count(None) + tail.count("") != len(tail):
            for offset, cell in enumerate(tail):
                if not _is_blank((cell,)):
                    raise CellLimitExceeded(
                        CellLimitExceeded.COLUMNS,
                        number,
                        max_columns + offset + 1,
                        max_columns,
                    )
        del row[max_columns:]
    max_chars = limits.max_cell_chars
    try:
        # A CSV row is all text: when the whole row is short, so is each cell.
        if sum(map(len, row)) <= max_chars:
            return row
    except TypeError:
        pass  # a spreadsheet row holds numbers and dates too
    for index, cell in enumerate(row):
        if cell.__class__ is str and len(cell) > max_chars:
            raise CellLimitExceeded(
                CellLimitExceeded.CHARS, number, index + 1, max_chars
            )
    return row


def _refusal(exceeded: CellLimitExceeded, headers: list | None) -> FileRejected:
    """The refusal of a cell over a limit, naming its row, column and header."""
    column = column_letter(exceeded.column)
    if exceeded.kind == CellLimitExceeded.COLUMNS:
        return FileRejected(
            _(MSG_TOO_MANY_COLUMNS)
            % {
                "row": exceeded.row,
                "column": column,
                "number": thousands(exceeded.column),
                "max": thousands(exceeded.limit),
            }
        )
    header = ""
    if headers and exceeded.column <= len(headers):
        value = headers[exceeded.column - 1]
        header = " ".join(str(value).split()) if value is not None else ""
        if len(header) > HEADER_IN_MESSAGE:
            header = header[: HEADER_IN_MESSAGE - 1] + "\u2026"
    return FileRejected(
        _(MSG_CELL_TOO_LONG)
        % {
            "row": exceeded.row,
            "column": f"{column} ({header})" if header else column,
            "max": thousands(exceeded.limit),
        }
    )


def _headers_above(
    first_rows: list[tuple[int, list]], row: int | None, columns: ColumnSet
) -> list | None:
    """The header among the rows read before row `row`, if it is there yet."""
    try:
        header_row, headers = _find_header(first_rows, columns)
    except FileRejected:
        return None
    return headers if row is not None and header_row < row else None


def _with_header(
    rows: Iterator[tuple[int, list]], columns: ColumnSet
) -> tuple[int, list, Iterator[tuple[int, list]]]:
    """Find the header among the first rows; return it and the data rows after it.

    A cell over a limit among the first rows is refused once the header above
    it (if any) is found, so that the message can name the column's header.
    """
    first_rows = []
    try:
        for number, row in rows:
            if _is_blank(row):
                continue
            first_rows.append((number, row))
            if len(first_rows) == HEADER_SEARCH_ROWS:
                break
    except CellLimitExceeded as exceeded:
        headers = _headers_above(first_rows, exceeded.row, columns)
        raise _refusal(exceeded, headers) from None
    if not first_rows:
        raise FileRejected(_(MSG_EMPTY))
    header_row, headers = _find_header(first_rows, columns)
    buffered = [(n, r) for n, r in first_rows if n > header_row]

    def data() -> Iterator[tuple[int, list]]:
        for number, row in buffered:
            yield number, row
        try:
            for number, row in rows:
                if not _is_blank(row):
                    yield number, row
        except CellLimitExceeded as exceeded:
            raise _refusal(exceeded, headers) from None

    return header_row, headers, data()


class _LineTooLong(Exception):
    """A physical line longer than any row within the limits can be."""


def _sniff_lines(text: io.TextIOWrapper) -> list[str]:
    """The first non-blank lines, by their first `SNIFF_LINE_CHARS` characters.

    Read a piece at a time: a line of twenty megabytes without a line break
    is not read whole just to guess its delimiter.
    """
    lines: list[str] = []
    continued = False
    while len(lines) < HEADER_SEARCH_ROWS:
        piece = text.readline(SNIFF_LINE_CHARS)
        if not piece:
            break
        if not continued and piece.strip():
            lines.append(piece)
        continued = not piece.endswith(("\n", "\r"))
    return lines


def _field_lengths(text: str, delimiter: str) -> Iterator[int]:
    """The lengths of the cells of the record `text` starts with, as `csv` reads
    them (quotes, doubled quotes, line breaks inside quotes), closely enough to
    name the cell that `csv` would not read."""
    end = len(text)
    position = 0
    while True:
        length = 0
        if text.startswith('"', position):
            position += 1
            while True:
                close = text.find('"', position)
                if close < 0:  # quotes open to the end
                    yield length + end - position
                    return
                length += close - position
                if not text.startswith('"', close + 1):
                    position = close + 1
                    break
                length += 1
                position = close + 2
        stops = [
            found
            for found in (
                text.find(delimiter, position),
                text.find("\n", position),
                text.find("\r", position),
            )
            if found >= 0
        ]
        stop = min(stops, default=end)
        yield length + stop - position
        if stop >= end or text[stop] != delimiter:
            return
        position = stop + 1


def _unreadable_record(
    record: str, delimiter: str, row: int, limits: Limits, max_chars: int
) -> CellLimitExceeded | None:
    """The cell over a limit that kept `csv` from reading row `row`, if any."""
    for column, length in enumerate(_field_lengths(record, delimiter), start=1):
        if length > max_chars:
            return CellLimitExceeded(CellLimitExceeded.CHARS, row, column, max_chars)
        if column > limits.max_columns and length:
            return CellLimitExceeded(
                CellLimitExceeded.COLUMNS, row, column, limits.max_columns
            )
    return None


def _csv_sheet(
    text: io.TextIOWrapper, columns: ColumnSet, encoding: str, limits: Limits
) -> Sheet:
    lines = _sniff_lines(text)
    if not lines:
        raise FileRejected(_(MSG_EMPTY))
    delimiter = _sniff_delimiter(lines, columns)
    text.seek(0)
    # csv refuses a cell longer than its field limit (131,072 characters, for
    # the whole process: left as it is); shorter cells are checked here, so
    # the smaller of the two is the limit a CSV gets.
    max_chars = min(limits.max_cell_chars, csv.field_size_limit())
    limits = dataclasses.replace(limits, max_cell_chars=max_chars)
    # No line of a row within the limits is longer: every cell full, quoted.
    max_line = limits.max_columns * (max_chars + 3) + 2
    # The lines of the record being read, to find the cell csv cannot read.
    record: list[str] = []

    def physical_lines() -> Iterator[str]:
        while line := text.readline(max_line + 1):
            record.append(line)
            if len(line) > max_line:
                raise _LineTooLong
            yield line

    reader = csv.reader(physical_lines(), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list]]:
        number = 0
        try:
            for number, row in enumerate(reader, start=1):
                record.clear()
                yield number, _checked(row, number, limits)
        except (csv.Error, _LineTooLong) as error:
            row = number + 1
            exceeded = _unreadable_record(
                "".join(record), delimiter, row, limits, max_chars
            )
            if exceeded is not None:
                raise exceeded from None
            if isinstance(error, _LineTooLong):
                raise FileRejected(
                    _(MSG_LINE_TOO_LONG) % {"row": row, "max": thousands(max_line)}
                ) from None
            raise FileRejected(
                _(MSG_BROKEN_CSV) % {"row": row, "error": error}
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


def _load_workbook(archive: GuardedZipFile, fileobj: BinaryIO):
    """openpyxl's `load_workbook(read_only=True)`, reading through `archive`.

    openpyxl opens a zip of its own from the file and offers no way to pass
    one; its reader is given ours instead before it reads anything, so that
    every part it opens (strings, sheets, styles, relationships, properties)
    goes through the guards. External links (cached copies of other workbooks,
    which can be large) are not read at all.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    fileobj.seek(0)
    reader = ExcelReader(fileobj, read_only=True, data_only=True, keep_links=False)
    reader.archive.close()
    reader.archive = archive
    reader.valid_files = archive.namelist()
    reader.read_manifest()
    shared_strings = reader.package.find(SHARED_STRINGS)
    archive.check_shared_strings(
        shared_strings.PartName.lstrip("/") if shared_strings is not None else None
    )
    reader.read()
    return reader.wb


def _values_within(max_columns: int) -> Callable:
    """openpyxl's `ReadOnlyWorksheet._get_row` for values, up to `max_columns`.

    openpyxl makes each row as wide as its last cell: one formatted empty
    cell in column XFD makes a row of 16,384 values, and a 750 KB file of
    100,000 such rows took half a minute. Cells past the limit are left out
    here; the guard (`limits.XmlGuard`) has refused the file already if any
    of them holds data. (Only for `iter_rows` from column 1, as used here.)
    """

    def values(row: list[dict], min_col=1, max_col=None, values_only=True) -> list:
        width = 0
        for cell in row:
            column = cell["column"]
            if width < column <= max_columns:
                width = column
        found = [None] * width
        for cell in row:
            column = cell["column"]
            if column <= width:
                found[column - 1] = cell["value"]
        return found

    return values


def _xlsx_error(error: Exception, row: int | None = None) -> FileRejected:
    """The refusal of a workbook openpyxl could not read."""
    cause: BaseException | None = error
    for _depth in range(10):  # openpyxl wraps its parser's error once or twice
        if cause is None:
            break
        # openpyxl's parsers refuse entities too (it uses defusedxml when
        # installed); the guard's own check usually comes first.
        if isinstance(cause, DefusedXmlException):
            return FileRejected(_(MSG_XML_DECLARATIONS))
        cause = cause.__cause__ or cause.__context__
    if row is None:
        return FileRejected(_(MSG_BROKEN_XLSX) % {"error": error})
    return FileRejected(_(MSG_BROKEN_XLSX_ROW) % {"row": row, "error": error})


@contextmanager
def _xlsx_sheet(fileobj: BinaryIO, columns: ColumnSet, *, size: int, limits: Limits):
    try:
        archive = GuardedZipFile(fileobj, limits, size=size)
    except FileRejected:
        raise
    except Exception:  # BadZipFile mostly; a mangled directory raises others
        raise FileRejected(_(MSG_NOT_TABULAR)) from None
    try:
        if "xl/workbook.xml" not in archive.namelist():
            raise FileRejected(_(MSG_NOT_TABULAR))
        archive.check_directory()
        workbook = _load_workbook(archive, fileobj)
    except FileRejected:
        archive.close()
        raise
    except CellLimitExceeded as exceeded:
        archive.close()
        raise _refusal(exceeded, None) from None
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        archive.close()
        raise _xlsx_error(error) from None
    try:
        worksheets = workbook.worksheets
        if not worksheets:
            raise FileRejected(_(MSG_EMPTY))
        worksheet = worksheets[0]
        last_row = worksheet.max_row or 0
        # Rows as wide as their last cell, not as wide as the sheet's
        # <dimension> claims: "A1:XFD1048576" would pad every row to 16,384
        # cells, and the claim is the file's, not Excel's; and no wider than
        # the column limit either (`_values_within`).
        worksheet.reset_dimensions()
        worksheet._get_row = _values_within(limits.max_columns)
        seen = [0]

        def numbered() -> Iterator[tuple[int, list]]:
            number = 0
            try:
                for number, values in enumerate(
                    worksheet.iter_rows(values_only=True), start=1
                ):
                    seen[0] = number
                    yield number, _checked(list(values), number, limits)
            except (FileRejected, CellLimitExceeded):
                raise
            except Exception as error:  # as on loading: a damaged sheet
                raise _xlsx_error(error, number) from None

        rows = numbered()
        header_row, headers, data = _with_header(rows, columns)
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
