"""django-import-export for the admin, speaking the importer's columns.

The admin's import and export buttons use the same column definitions, the
same file reading (encodings, delimiters, Excel cells), the same checks and
matching and the same all-or-nothing writer as the import page: a resource
here only translates between the admin's `Result` and our `Report`. Each
confirmed admin import is an `ImportBatch` like any other.
"""

import io
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import tablib
from django.core.exceptions import ValidationError
from import_export import resources
from import_export.fields import Field
from import_export.formats.base_formats import Format
from import_export.results import Error, Result, RowResult

from grants.models import Grant
from institutions.models import Institution

from .batches import ImportRefused, Options, import_file
from .columns import ColumnSet
from .exports import csv_lines, grants_for_export, write_xlsx
from .lists import INSTITUTIONS, RECIPIENTS
from .models import ImportBatch
from .planning import NEW, REJECTED, UPDATED
from .sources import FileRejected, open_sheet

IMPORT_TYPES = {
    NEW: RowResult.IMPORT_TYPE_NEW,
    UPDATED: RowResult.IMPORT_TYPE_UPDATE,
    REJECTED: RowResult.IMPORT_TYPE_INVALID,
}


class _Problem(Exception):
    pass


class ListFormat(Format):
    """A CSV or XLSX list, read by our reader rather than tablib's.

    The admin hands the uploaded bytes over untouched (`dataset.raw`); the
    one placeholder row only satisfies the admin's "file is empty" check.
    """

    extension = ""
    content_type = "application/octet-stream"

    def __init__(self, encoding=None):
        # The admin passes its text encoding; our reader finds the encoding itself.
        self.encoding = encoding

    def get_title(self) -> str:
        return self.extension

    def get_extension(self) -> str:
        return self.extension

    def get_content_type(self) -> str:
        return self.content_type

    def can_import(self) -> bool:
        return True

    def can_export(self) -> bool:
        return True

    def create_dataset(self, in_stream) -> tablib.Dataset:
        dataset = tablib.Dataset()
        dataset.append(["-"])
        dataset.raw = bytes(in_stream)
        return dataset


class ListCSV(ListFormat):
    extension = "csv"
    content_type = "text/csv"

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> bytes:
        return b"".join(csv_lines(dataset.headers, list(dataset)))


class ListXLSX(ListFormat):
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> bytes:
        buffer = io.BytesIO()
        write_xlsx(dataset.headers, list(dataset), buffer)
        return buffer.getvalue()


FORMATS = [ListCSV, ListXLSX]


def columns_as_fields(columns: ColumnSet):
    """Class decorator: one import-export `Field` per column, in column order."""

    def decorate(cls):
        for column in columns.columns:
            cls.fields[column.name] = Field(
                attribute=None, column_name=column.name, readonly=False
            )
        cls.columns = columns
        return cls

    return decorate


class ListResource(resources.ModelResource):
    """Import and export a list through the importer (see the module docstring)."""

    kind: ClassVar[str]
    columns: ClassVar[ColumnSet]

    class Meta:
        fields: ClassVar[list] = []

    def __init__(
        self, masks: Mapping[str, Callable[[Any], str]] | None = None, **kwargs
    ):
        # NIK and account columns masked for a user who may not see them whole
        # (`exports.masks_for`); the admin passes them per request.
        super().__init__(**kwargs)
        self.masks = dict(masks or {})

    def export_field(self, field, instance, **kwargs):
        value = self.columns[field.column_name].value_of(instance)
        mask = self.masks.get(field.column_name)
        return value if mask is None else mask(value)

    def get_user_visible_fields(self):
        return list(self.fields.values())

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """Check (dry run) or import the list; the admin shows the `Result`."""
        raw = getattr(dataset, "raw", None)
        if raw is None:
            raw = dataset.export("csv").encode("utf-8")
        file_name = kwargs.get("file_name") or f"admin.{self.kind}.csv"
        try:
            report, _batch = import_file(
                io.BytesIO(raw),
                file_name=file_name,
                kind=self.kind,
                options=Options(),
                user=kwargs.get("user"),
                dry_run=dry_run,
            )
        except ImportRefused as refused:
            result = Result()
            result.append_base_error(Error(_Problem(refused.message)))
            return result
        return self._result(report, raw)

    def _cells(self, raw: bytes) -> tuple[list[str], dict[int, list]]:
        try:
            with open_sheet(
                io.BytesIO(raw), self.columns, max_bytes=len(raw) + 1
            ) as sheet:
                return [str(h) for h in sheet.headers], dict(sheet.rows)
        except FileRejected:
            return [], {}

    def _result(self, report, raw: bytes) -> Result:
        result = Result()
        headers, cells = self._cells(raw)
        result.diff_headers = headers
        problems: dict[int, dict[str, list[str]]] = {}
        for problem in report.errors:
            if problem.row is None:
                result.append_base_error(Error(_Problem(problem.message)))
            else:
                problems.setdefault(problem.row, {}).setdefault(
                    problem.column or "__all__", []
                ).append(problem.message)
        for number, state in getattr(report, "row_states", ()):
            values = cells.get(number, [])
            row = dict(zip(headers, values, strict=False))
            row_result = RowResult()
            row_result.import_type = IMPORT_TYPES.get(state, RowResult.IMPORT_TYPE_SKIP)
            row_result.diff = ["" if v is None else str(v) for v in values]
            row_result.row_values = row
            if state == REJECTED:
                result.append_invalid_row(
                    number, row, ValidationError(problems.get(number, {}))
                )
            result.append_row_result(row_result)
            result.increment_row_result_total(row_result)
        result.total_rows = report.rows_total
        return result


@columns_as_fields(INSTITUTIONS)
class InstitutionResource(ListResource):
    kind = ImportBatch.Kind.INSTITUTIONS

    class Meta:
        model = Institution
        fields: list[str] = []
        name = "Daftar lembaga"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("village__district__regency")


@columns_as_fields(RECIPIENTS)
class GrantResource(ListResource):
    """Recipient lists through the admin, with the import page's rules.

    A new grant starts as proposed, into a programme open for proposals, with
    its audit row; a historical row (already disbursed, a past year) only from
    a user with `grants.import_historical_grant`; an existing grant's amount
    and purpose change only while it is a proposal.
    """

    kind = ImportBatch.Kind.RECIPIENTS

    class Meta:
        model = Grant
        fields: list[str] = []
        name = "Daftar penerima bantuan"

    def filter_export(self, queryset, **kwargs):
        return grants_for_export(queryset)
