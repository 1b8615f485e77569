"""The loop every import shares: read the rows, check each one, count them.

A planner reads the whole file and decides, row by row, what would be
created, changed or left alone, without writing anything: that is the
preview. Writing is a separate step (`writer`) that only runs when the plan
has no errors.
"""

import datetime
import time
from array import array
from collections.abc import Callable, Iterable
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .cells import CellError
from .columns import ColumnSet
from .report import MAX_ROWS_LISTED, ROW_ACTIONS, Report
from .sources import MSG_HEADER_ONLY, FileRejected, open_sheet

MSG_UNKNOWN_COLUMNS = gettext_noop(
    "Kolom berikut tidak dikenal dan diabaikan: %(columns)s."
)

NEW, UPDATED, UNCHANGED, REJECTED = 1, 2, 0, 3
PROGRESS_EVERY = 2000
_MISS = object()

# The values of a row the preview shows, as far as the file has them: the
# institution, its place, the grant (recipient and institution lists) or the
# person (beneficiary lists).
LISTED_COLUMNS = (
    "nama_lembaga",
    "desa",
    "kecamatan",
    "kabupaten",
    "kode_desa",
    "tahun",
    "program",
    "nilai_bantuan",
    "status",
    "nik",
    "nama",
)
# A rejected row keeps this many of its problems in the list (all are in the
# report's errors, up to `report.MAX_LISTED`).
ERRORS_PER_ROW = 5
ACTION_OF = {
    NEW: "new",
    UPDATED: "updated",
    UNCHANGED: "unchanged",
    REJECTED: "rejected",
}
ACTION_ORDER = {action: position for position, action in enumerate(ROW_ACTIONS)}


def _listed_value(value) -> int | str:
    """A cell as the preview shows it, small and JSON-ready."""
    if value.__class__ is int:
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."


class RowListing:
    """The first rows of a file with a few of their values, for the preview.

    Keeps at most `limit` rejected rows and `limit` others (a row's state may
    still change after it is read; see `Planner.conclude`), whatever the size
    of the file; the rest is only counted.
    """

    def __init__(self, names: Iterable[str], limit: int = MAX_ROWS_LISTED):
        names = set(names)
        self.columns = [name for name in LISTED_COLUMNS if name in names]
        self.limit = limit
        self.rejected: list[tuple[int, int, dict, list]] = []
        self.others: list[tuple[int, int, dict, list]] = []

    def add(self, index: int, number: int, state: int, values: dict, errors) -> None:
        kept = self.rejected if state == REJECTED else self.others
        if len(kept) >= self.limit:
            return
        shown = {
            name: _listed_value(values[name]) for name in self.columns if name in values
        }
        problems = []
        if state == REJECTED:
            for column, value, message in errors[:ERRORS_PER_ROW]:
                if column in self.columns and column not in shown:
                    shown[column] = _listed_value(value)
                problems.append({"column": column, "message": str(message)})
        kept.append((index, number, shown, problems))

    def finish(self, states) -> tuple[list[dict], bool]:
        """The rows in their final state, problems first; and whether any were left out."""
        rows = [
            {
                "row": number,
                "action": ACTION_OF[states[index]],
                "values": shown,
                "errors": problems,
            }
            for index, number, shown, problems in (*self.rejected, *self.others)
        ]
        rows.sort(key=lambda row: (ACTION_ORDER[row["action"]], row["row"]))
        del rows[self.limit :]
        return rows, len(rows) < len(states)


class RowReader:
    """Read the cells of one row into values, keeping the first error per cell.

    Columns go in three groups, each read in a loop of its own: plain text
    (trimmed inline, without a call), columns with few distinct values (each
    value parsed once per import) and the others.
    """

    def __init__(self, columns: ColumnSet, positions: dict[str, int], cached: Iterable):
        cached = set(cached)
        self.width = max(positions.values(), default=-1) + 1
        self.order = {name: order for order, name in enumerate(positions)}
        self.texts, self.cached, self.others = [], [], []
        for name, index in positions.items():
            parse = columns[name].parse
            text_max_length = getattr(parse, "text_max_length", 0)
            if text_max_length:
                self.texts.append((name, index, parse, text_max_length))
            elif name in cached:
                self.cached.append((name, index, parse, {}))
            else:
                self.others.append((name, index, parse))

    def read(self, cells: list) -> tuple[dict, list[tuple[str, object, str]]]:
        values: dict = {}
        errors: list = []
        if len(cells) < self.width:
            cells = [*cells, *[None] * (self.width - len(cells))]
        for name, index, parse, text_max_length in self.texts:
            raw = cells[index]
            if raw.__class__ is str:
                # Plain text that needs no cleaning beyond trimming, inline.
                text = raw.strip()
                if (
                    len(text) <= text_max_length
                    and text[:1] != "'"
                    and "\x00" not in text
                ):
                    values[name] = text
                    continue
            try:
                values[name] = parse(raw)
            except CellError as error:
                errors.append((name, raw, error.message))
        for name, index, parse, cache in self.cached:
            raw = cells[index]
            value = cache.get(raw, _MISS)
            if value is _MISS:
                try:
                    value = parse(raw)
                except CellError as error:
                    value = error
                cache[raw] = value
            if value.__class__ is CellError:
                errors.append((name, raw, value.message))
            else:
                values[name] = value
        for name, index, parse in self.others:
            raw = cells[index]
            try:
                values[name] = parse(raw)
            except CellError as error:
                errors.append((name, raw, error.message))
        if len(errors) > 1:
            # In the order of the file's columns, as the operator reads them.
            errors.sort(key=lambda error: self.order[error[0]])
        return values, errors


class RowStates:
    """(row number, state) of every row, for the admin's result table, read
    from the planner's arrays instead of a list of pairs (not kept in JSON)."""

    def __init__(self, numbers: array, states: bytearray):
        self.numbers, self.states = numbers, states

    def __iter__(self):
        return zip(self.numbers, self.states, strict=True)

    def __len__(self) -> int:
        return len(self.states)


class Planner:
    """Read a file and plan an import; subclasses check and match each row."""

    columns: ColumnSet
    # Columns with few distinct values, each read once per import.
    cached_columns: frozenset[str] = frozenset()

    def __init__(self):
        self.report = Report()
        self.states = bytearray()
        # 4 bytes a row: a list of ints would take ten times that.
        self.row_numbers = array("I")
        self.listing: RowListing | None = None

    def plan(
        self,
        fileobj: BinaryIO,
        *,
        max_bytes: int | None = None,
        progress: Callable[[int, float], None] | None = None,
    ) -> Report:
        """Check every row of the file; the report says what an import would do."""
        started = time.perf_counter()
        max_bytes = max_bytes or settings.BANSOS_IMPORT_MAX_BYTES
        report = self.report
        try:
            with open_sheet(fileobj, self.columns, max_bytes=max_bytes) as sheet:
                report.file_format = sheet.format
                report.encoding = sheet.encoding
                report.delimiter = sheet.delimiter
                report.notes.extend(sheet.notes)
                positions, unknown, problems = self.columns.match(sheet.headers)
                for message in problems:
                    report.error(None, "", "", message)
                if problems:
                    return self._finish(started)
                if unknown:
                    report.notes.append(
                        _(MSG_UNKNOWN_COLUMNS) % {"columns": ", ".join(unknown)}
                    )
                self.positions = positions
                self.prepare()
                reader = RowReader(self.columns, positions, self.cached_columns)
                check_row = self.check_row
                read = reader.read
                row_numbers, states = self.row_numbers, self.states
                self.listing = RowListing(positions)
                list_row = self.listing.add
                for number, cells in sheet.rows:
                    values, errors = read(cells)
                    row_numbers.append(number)
                    state = check_row(number, values, errors)
                    list_row(len(states), number, state, values, errors)
                    states.append(state)
                    if progress is not None and len(states) % PROGRESS_EVERY == 0:
                        progress(len(states), sheet.progress())
                if progress is not None:
                    progress(len(states), 1.0)
        except FileRejected as rejected:
            report.error(None, "", "", rejected.message)
            return self._finish(started)
        if not self.row_numbers:
            report.error(None, "", "", _(MSG_HEADER_ONLY))
            return self._finish(started)
        self.conclude()
        self._count()
        return self._finish(started)

    def prepare(self) -> None:
        """Read what matching needs from the database, once."""

    def close(self) -> None:
        """Release what the plan holds outside memory (see `scratch`)."""

    def check_row(self, number: int, values: dict, errors: list) -> int:
        raise NotImplementedError

    def conclude(self) -> None:
        """Checks that need every row: budgets, changes to existing records."""

    def reject(self, number: int, errors: list[tuple[str, object, str]]) -> int:
        for column, value, message in errors:
            self.report.error(number, column, value, message)
        return REJECTED

    def _count(self) -> None:
        report = self.report
        states = self.states
        report.rows_total = len(states)
        report.rows_new = states.count(NEW)
        report.rows_updated = states.count(UPDATED)
        report.rows_unchanged = states.count(UNCHANGED)
        report.rows_rejected = states.count(REJECTED)
        # Row by row, for the admin's result table; not kept in the JSON report.
        report.row_states = RowStates(self.row_numbers, states)
        # Rows to show, in their final state: `conclude` may have changed it.
        if self.listing is not None:
            report.rows, report.rows_cut = self.listing.finish(states)

    def _finish(self, started: float) -> Report:
        self.report.seconds = round(time.perf_counter() - started, 3)
        self.report.finish()
        return self.report
