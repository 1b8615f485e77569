"""Guards against hostile workbooks, for the reader (`sources`).

An XLSX is a zip of XML parts, and openpyxl trusts both: it inflates whatever
the zip holds and builds in memory whatever the XML says. A 1.2 MB upload can
thus hold half a gigabyte of shared strings (minutes of work, gigabytes of
memory), a DTD whose entities expand without end, or a row of millions of
cells. The guards here run before openpyxl and alongside it, on the very bytes
it reads, so that a refusal comes before the work the attack is after:

- the zip's central directory is checked before anything is inflated: its own
  size, the compression of every part and the inflated size of every part and
  of all of them (`BANSOS_IMPORT_MAX_INFLATED_BYTES`);
- every part openpyxl opens is counted while it inflates, because the
  directory is written by whoever made the file;
- every XML part goes, chunk by chunk, through a parser of our own just ahead
  of openpyxl's: it refuses a DTD (and so any entity) and rows and cells that
  no spreadsheet program writes, before openpyxl gets the chunk.

Limits a sane list can reach (`BANSOS_IMPORT_MAX_CELL_CHARS`,
`BANSOS_IMPORT_MAX_COLUMNS`) are checked on the rows themselves by `sources`,
for CSV and XLSX alike, so that the message can name the column's header.
"""

import io
import math
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

MSG_INFLATED_TOO_LARGE = gettext_noop(
    "Isi berkas Excel terlalu besar setelah dibuka (%(size)s MB; paling besar "
    "%(max)s MB). Pecah menjadi beberapa berkas, atau simpan ulang dari Excel."
)
MSG_SHARED_STRINGS_TOO_LARGE = gettext_noop(
    "Daftar teks berkas Excel ini terlalu besar (%(size)s MB; paling besar "
    "%(max)s MB): membacanya memakan terlalu banyak memori. Simpan daftar sebagai "
    "CSV, atau pecah menjadi beberapa berkas."
)
MSG_PART_MISMATCH = gettext_noop(
    "Berkas Excel rusak: isi bagian %(part)s tidak sesuai dengan daftar isi "
    "berkas. Simpan ulang dari Excel."
)
MSG_DIRECTORY_TOO_LARGE = gettext_noop(
    "Berkas Excel memuat terlalu banyak bagian (daftar isinya %(size)s KB; paling "
    "besar %(max)s KB). Simpan ulang dari Excel."
)
MSG_UNKNOWN_COMPRESSION = gettext_noop(
    "Berkas Excel memakai pemadatan yang tidak dipakai Excel (bagian %(part)s). "
    "Simpan ulang dari Excel."
)
MSG_XML_DECLARATIONS = gettext_noop(
    "Berkas Excel memuat deklarasi XML yang tidak diizinkan (DTD/entitas); simpan "
    "ulang dari Excel."
)
MSG_ROW_BEYOND_EXCEL = gettext_noop(
    "Berkas Excel memuat baris bernomor %(row)s, di luar batas Excel (%(max)s "
    "baris); berkas ini rusak. Simpan ulang dari Excel."
)
MSG_ROW_TOO_MANY_CELLS = gettext_noop(
    "Baris %(row)s berkas Excel memuat lebih dari %(max)s sel, lebih banyak dari "
    "yang dapat dibuat Excel; berkas ini rusak. Simpan ulang dari Excel."
)
MSG_TEXT_BEYOND_EXCEL = gettext_noop(
    "Berkas Excel memuat teks sel lebih dari %(max)s karakter, lebih panjang dari "
    "yang dapat dibuat Excel; berkas ini rusak. Simpan ulang dari Excel."
)

# What Excel itself can write: anything beyond is made to hurt.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
# The central directory is read whole by `zipfile` before anything else, at
# about 1 KB of memory per part: 2 MB is some 25,000 parts; a list has ten.
MAX_DIRECTORY_BYTES = 2 * 1024 * 1024
# Stored and deflated parts only: Python inflates bzip2 and LZMA parts in one
# go, however large, before any count could stop it; Excel writes neither.
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
READ_CHUNK = 64 * 1024
_DIGITS = "0123456789"


class FileRejected(Exception):
    """The file as a whole cannot be imported; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CellLimitExceeded(Exception):
    """A cell over a limit of `Limits` (`kind` says which), found while reading.

    Not a refusal yet: the reader turns it into one naming the column's header
    once it knows it (`sources._refusal`).
    """

    CHARS = "chars"
    COLUMNS = "columns"

    def __init__(self, kind: str, row: int, column: int, limit: int):
        super().__init__(kind, row, column, limit)
        self.kind = kind
        self.row = row
        self.column = column
        self.limit = limit


@dataclass(frozen=True)
class Limits:
    max_inflated_bytes: int
    max_cell_chars: int
    max_columns: int
    # openpyxl holds the shared strings whole, about 4.5 bytes of memory per
    # byte of XML: a 95 MB table took 457 MB and 45 s.
    max_shared_strings_bytes: int = 40 * 1024 * 1024

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_inflated_bytes=settings.BANSOS_IMPORT_MAX_INFLATED_BYTES,
            max_cell_chars=settings.BANSOS_IMPORT_MAX_CELL_CHARS,
            max_columns=settings.BANSOS_IMPORT_MAX_COLUMNS,
            max_shared_strings_bytes=settings.BANSOS_IMPORT_MAX_SHARED_STRINGS_BYTES,
        )


def megabytes(size: int) -> str:
    """Rounded up, so that just over 100 MB does not read as 100 MB."""
    tenths = math.ceil(size * 10 / 1_048_576)
    return f"{tenths / 10:.1f}".removesuffix(".0")


def thousands(value: int) -> str:
    """`10000` as Indonesians write it: `10.000`."""
    return f"{value:,}".replace(",", ".")


def column_letter(index: int) -> str:
    """The column's letters as Excel shows them: 1 is A, 27 is AA."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


_column_indexes: dict[str, int] = {}


def column_index(reference: str) -> int | None:
    """The column of a cell reference (`C12` is 3), or None when unreadable."""
    letters = reference.rstrip(_DIGITS)
    index = _column_indexes.get(letters)
    if index is not None:
        return index
    if not letters.isascii() or not letters.isalpha():
        return None
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    if len(letters) <= 3:  # only the references that can exist are cached
        _column_indexes[letters] = index
    return index


def directory_size(fileobj, size: int) -> int:
    """The size the zip's end record gives its central directory (0 if none).

    Read as `zipfile` reads it (the end record, and the ZIP64 one just before
    it when there is one), taking the larger when both are there.
    """
    tail_size = min(size, 22 + 65_535 + 20 + 56)
    fileobj.seek(size - tail_size)
    tail = fileobj.read(tail_size)
    fileobj.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return 0
    found = struct.unpack_from("<I", tail, at + 12)[0]
    if (
        at >= 76
        and tail[at - 20 : at - 16] == b"PK\x06\x07"
        and tail[at - 76 : at - 72] == b"PK\x06\x06"
    ):
        found = max(found, struct.unpack_from("<Q", tail, at - 76 + 40)[0])
    return found


class GuardedZipFile(zipfile.ZipFile):
    """A workbook's zip whose parts are checked as they inflate (see the module)."""

    def __init__(self, fileobj, limits: Limits, *, size: int):
        directory = directory_size(fileobj, size)
        if directory > MAX_DIRECTORY_BYTES:
            raise FileRejected(
                _(MSG_DIRECTORY_TOO_LARGE)
                % {
                    "size": thousands(directory // 1024),
                    "max": thousands(MAX_DIRECTORY_BYTES // 1024),
                }
            )
        super().__init__(fileobj)
        self.limits = limits
        # The most bytes one reading of each part inflated: openpyxl reads a
        # sheet twice (its size, then its rows) and that is not twice the data.
        self._inflated: dict[str, int] = {}
        self._total = 0

    def check_directory(self) -> None:
        """Refuse before inflating anything when the directory admits too much."""
        most = self.limits.max_inflated_bytes
        total = 0
        for info in self.infolist():
            if info.compress_type not in COMPRESSIONS:
                raise FileRejected(_(MSG_UNKNOWN_COMPRESSION) % {"part": info.filename})
            total += info.file_size
            if info.file_size > most or total > most:
                raise self.too_large(max(info.file_size, total))

    def check_shared_strings(self, name: str | None) -> None:
        """Refuse a shared-string table openpyxl would need too much memory for.

        `name` is the part the workbook's manifest names (any name will do for
        an attacker); its size is the directory's, which reading holds it to.
        """
        if name is None or name not in self.NameToInfo:
            return
        size = self.getinfo(name).file_size
        most = self.limits.max_shared_strings_bytes
        if size > most:
            raise FileRejected(
                _(MSG_SHARED_STRINGS_TOO_LARGE)
                % {"size": megabytes(size), "max": megabytes(most)}
            )

    def too_large(self, size: int) -> FileRejected:
        return FileRejected(
            _(MSG_INFLATED_TOO_LARGE)
            % {
                "size": megabytes(size),
                "max": megabytes(self.limits.max_inflated_bytes),
            }
        )

    def open(self, name, mode="r", pwd=None, **kwargs):
        stream = super().open(name, mode, pwd, **kwargs)
        if mode != "r":
            return stream
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return GuardedPart(self, stream, info)

    def inflated(self, name: str, count: int) -> None:
        """Note that one reading of part `name` has inflated `count` bytes so far."""
        before = self._inflated.get(name, 0)
        if count > before:
            self._inflated[name] = count
            self._total += count - before
            if self._total > self.limits.max_inflated_bytes:
                raise self.too_large(self._total)


class GuardedPart(io.RawIOBase):
    """One part of the zip being read: counted, and checked if it is XML."""

    def __init__(self, archive: GuardedZipFile, stream, info: zipfile.ZipInfo):
        super().__init__()
        self.archive = archive
        self.stream = stream
        self.name = info.filename
        self.declared = info.file_size
        self.count = 0
        self.xml = XmlGuard(archive.limits)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            # Whole (openpyxl's `archive.read`): still in counted chunks.
            return b"".join(iter(lambda: self._read(READ_CHUNK), b""))
        return self._read(size)

    def readinto(self, buffer) -> int:
        data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _read(self, size: int) -> bytes:
        self.xml.raise_pending()
        try:
            data = self.stream.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            # A bad CRC, mostly: the directory and the data disagree, as when
            # the directory lies about a part's size (zipfile stops there).
            raise FileRejected(_(MSG_PART_MISMATCH) % {"part": self.name}) from None
        if data:
            self.count += len(data)
            if self.count > self.declared:
                raise FileRejected(_(MSG_PART_MISMATCH) % {"part": self.name})
            if self.count > self.archive.limits.max_inflated_bytes:
                raise self.archive.too_large(self.count)
            self.archive.inflated(self.name, self.count)
        self.xml.feed(data)
        if not data:
            self.xml.raise_pending()
        return data

    def close(self) -> None:
        if not self.closed:
            self.stream.close()
        super().close()


class XmlGuard:
    """Our own parser of a part, fed each chunk just before openpyxl gets it.

    It refuses a DTD at its first token (openpyxl's defusedxml refuses entity
    declarations but lets a DTD through), a row numbered beyond Excel (openpyxl
    would fill the gap with empty rows, one by one), a row of more cells than
    Excel has columns, and text longer than Excel allows in shared strings.
    A cell over `Limits` is kept and raised at the next read, so that openpyxl
    first yields the rows before it, the header among them.

    Where this parser finds the XML broken, openpyxl's (expat as well) fails
    too, with its own message; so does it on parts that are not XML (images).
    The guard stops there rather than refusing parts openpyxl never parses.

    It runs on every element of every sheet, so it does as little as it can:
    no end-of-element handler (an element's start says whose text follows).
    """

    # Elements whose text is a cell's value or a shared string's: <v>, and
    # <t> in <si> or an inline <is>. Any other element's text (a formula in
    # <f>, a data validation after the rows) is nobody's.
    TEXT = frozenset(("v", "t", "is"))

    def __init__(self, limits: Limits):
        self.max_cell_chars = limits.max_cell_chars
        self.max_columns = limits.max_columns
        self.max_cells = max(EXCEL_MAX_COLUMNS, limits.max_columns)
        self.max_shared_chars = max(EXCEL_MAX_CELL_CHARS, limits.max_cell_chars)
        self.pending: CellLimitExceeded | None = None
        self.row = 0
        self.cells = 0
        self.column = 0
        self.chars = 0
        self.in_text = False
        self.in_cell = False
        parser = expat.ParserCreate()
        # Long text comes in few calls (expat otherwise calls once per line).
        parser.buffer_text = True
        parser.buffer_size = READ_CHUNK
        parser.StartDoctypeDeclHandler = self._doctype
        parser.StartElementHandler = self._start
        parser.CharacterDataHandler = self._text
        self.parser: expat.XMLParserType | None = parser

    def feed(self, data: bytes) -> None:
        if self.parser is None:
            return
        try:
            self.parser.Parse(data, not data)
        except expat.ExpatError:
            self.parser = None

    def raise_pending(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            raise pending

    def _doctype(self, *args) -> None:
        raise FileRejected(_(MSG_XML_DECLARATIONS))

    def _start(self, name: str, attrs: dict) -> None:
        if ":" in name:  # x:c is c
            name = name[name.index(":") + 1 :]
        if name == "c":
            self.cells += 1
            if self.cells > self.max_cells:
                raise FileRejected(
                    _(MSG_ROW_TOO_MANY_CELLS)
                    % {"row": self.row, "max": thousands(self.max_cells)}
                )
            reference = attrs.get("r")
            column = None
            if reference:  # the cache first: this runs for every cell
                column = _column_indexes.get(reference.rstrip(_DIGITS))
                if column is None:
                    column = column_index(reference)
            self.column = self.column + 1 if column is None else column
            self.chars = 0
            self.in_cell = True
            self.in_text = False
        elif name in self.TEXT:
            self.in_text = True
        elif name == "row":
            self.row = _row_number(attrs.get("r"), self.row + 1)
            if self.row > EXCEL_MAX_ROWS:
                raise FileRejected(
                    _(MSG_ROW_BEYOND_EXCEL)
                    % {"row": self.row, "max": thousands(EXCEL_MAX_ROWS)}
                )
            self.cells = 0
            self.column = 0
            self.in_text = False
        elif name == "si":
            self.chars = 0
            self.in_cell = False
            self.in_text = False
        else:
            self.in_text = False

    def _text(self, data: str) -> None:
        if not self.in_text:
            return
        self.chars += len(data)
        if not self.in_cell:  # a shared string: its cell is not known here
            if self.chars > self.max_shared_chars:
                raise FileRejected(
                    _(MSG_TEXT_BEYOND_EXCEL) % {"max": thousands(self.max_shared_chars)}
                )
            return
        if self.pending is not None:
            return
        if self.chars > self.max_cell_chars:
            self.pending = CellLimitExceeded(
                CellLimitExceeded.CHARS, self.row, self.column, self.max_cell_chars
            )
        elif self.column > self.max_columns and not data.isspace():
            self.pending = CellLimitExceeded(
                CellLimitExceeded.COLUMNS, self.row, self.column, self.max_columns
            )


def _row_number(text: str | None, default: int) -> int:
    """A row's number as openpyxl reads it (it takes "7.0" too)."""
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return default  # openpyxl refuses it, with its own message
    if value != value or value in (float("inf"), float("-inf")):
        return default
    return int(value)
