"""Columns defined once.

A `Column` says how a header may be spelled, how a cell is read and checked,
and how a stored record is written back; a `ColumnSet` is one list's columns
(see `lists`). The importers, the downloadable templates, the list exports and
the admin's import-export resources all use these definitions, so an export
imports again as "unchanged".
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import cells
from .cells import CellError

MSG_MISSING_COLUMNS = gettext_noop(
    "Kolom wajib tidak ditemukan: %(missing)s. Kolom yang diharapkan: %(expected)s. "
    "Kolom yang ditemukan: %(found)s."
)
MSG_DUPLICATE_COLUMN = gettext_noop(
    "Kolom %(column)s muncul lebih dari sekali (%(headers)s)."
)


def text(max_length: int) -> Callable[[Any], str]:
    """A plain text column of at most `max_length` characters."""

    def parse(value) -> str:
        return cells.bounded(cells.plain(value), max_length)

    # Lets the row reader take plain short text without a call (see planning).
    parse.text_max_length = max_length
    return parse


def required_text(max_length: int) -> Callable[[Any], str]:
    """A name: required, inner spaces collapsed, at most `max_length` characters."""

    def parse(value) -> str:
        text = cells.plain(value)
        if not text:
            raise CellError(_(cells.MSG_REQUIRED))
        return cells.bounded(" ".join(text.split()), max_length)

    return parse


def date_text(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    parse: Callable[[Any], Any]
    aliases: tuple[str, ...] = ()
    required: bool = False
    # NIKs and account numbers: text cells, or Excel cuts them to 15 digits.
    as_text: bool = False
    example: str = ""
    help: str = ""
    export: Callable[[Any], Any] | None = None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(
            cells.header_key(spelling)
            for spelling in (self.name, str(self.label), *self.aliases)
        )

    def read(self, value):
        return self.parse(value)

    def value_of(self, record) -> Any:
        return "" if self.export is None else self.export(record)


@dataclass(frozen=True)
class ColumnSet:
    columns: tuple[Column, ...]
    # Each entry must be present: `a|b+c` means column a, or columns b and c.
    required: tuple[str, ...] = ()
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        by_key = {}
        for column in self.columns:
            for key in column.keys:
                if by_key.setdefault(key, column) is not column:
                    raise ValueError(f"Header key {key!r} names two columns")
        object.__setattr__(self, "by_key", by_key)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def recognised(self, headers: Sequence) -> int:
        """How many of these headers name one of our columns (to find the header row)."""
        return sum(1 for header in headers if cells.header_key(header) in self.by_key)

    def match(self, headers: Sequence) -> tuple[dict[str, int], list[str], list[str]]:
        """Map column names to their position in the file.

        Returns the mapping, the unknown headers and the problems (missing or
        repeated columns) that make the file unreadable.
        """
        positions: dict[str, int] = {}
        spelled: dict[str, list[str]] = {}
        unknown = []
        for index, header in enumerate(headers):
            text = cells.plain(header)
            if not text:
                continue
            column = self.by_key.get(cells.header_key(text))
            if column is None:
                unknown.append(text)
                continue
            spelled.setdefault(column.name, []).append(text)
            positions.setdefault(column.name, index)
        problems = [
            _(MSG_DUPLICATE_COLUMN) % {"column": name, "headers": ", ".join(texts)}
            for name, texts in spelled.items()
            if len(texts) > 1
        ]
        missing = [
            _(" atau ").join(option.replace("+", " + ") for option in need.split("|"))
            for need in self.required
            if not any(
                all(name in positions for name in option.split("+"))
                for option in need.split("|")
            )
        ]
        if missing:
            found = [cells.plain(h) for h in headers if cells.plain(h)]
            problems.append(
                _(MSG_MISSING_COLUMNS)
                % {
                    "missing": ", ".join(missing),
                    "expected": ", ".join(self.names),
                    "found": ", ".join(found) or "-",
                }
            )
        return positions, unknown, problems


# Getters for exports ---------------------------------------------------------


def region_of(record, level: str) -> str:
    """The village code or the village, district or regency name of a record."""
    village = record.village
    if level == "code":
        return village.code
    if level == "village":
        return village.name
    if level == "district":
        return village.district.name
    return village.district.regency.name


def of_institution(getter: Callable) -> Callable:
    """Lift an institution getter to work on anything with an `institution`."""

    def export(record):
        institution = getattr(record, "institution", record)
        return getter(institution)

    return export
