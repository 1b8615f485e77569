"""Spreadsheet files: text stays text, and CSVs open in columns in Excel."""

import csv
from collections.abc import Iterable, Iterator

# A spreadsheet runs a cell that starts with one of these as a formula (CSV
# injection). Imports keep such text as it is; exports neutralise it.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Without the BOM, Excel reads UTF-8 as Windows-1252: letters beyond ASCII garble.
UTF8_BOM = "\ufeff"


class ExcelIndonesia(csv.excel):
    """The CSV dialect Excel opens in columns in an Indonesian locale, where
    the comma is the decimal separator: `;` between cells, CRLF lines."""

    delimiter = ";"
    lineterminator = "\r\n"


def neutralise(text: str) -> str:
    """Prefix text a spreadsheet would run as a formula, so that it stays text."""
    if text and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, line: str) -> str:
        return line


def _csv_cell(value):
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, float):
        # Where the comma is the decimal separator, `12.5` is not twelve and a half.
        return str(value).replace(".", ",")
    return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """Every CSV the app writes, line by line: UTF-8 with BOM, `;`, CRLF.

    Text a spreadsheet would run as a formula is neutralised, and fractions get
    a decimal comma; other values are written as `str()` writes them.
    """
    writer = csv.writer(_Echo(), dialect=ExcelIndonesia)
    yield UTF8_BOM.encode()
    yield writer.writerow(header).encode()
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row]).encode()
