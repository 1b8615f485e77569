"""Put many new rows into a table at once.

On PostgreSQL rows go in with `COPY` (primary keys reserved from the table's
sequence first, so that rows can point at rows of the same import); elsewhere
through `bulk_create`. Both fill the columns an import does not set from the
model's defaults, so a field added later with a default needs no change here.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

BATCH_SIZE = 2000


def _default(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        return field.get_default()
    if field.null:
        return None
    if field.empty_strings_allowed and field.blank:
        return ""
    raise ValueError(
        f"{field.model.__name__}.{field.name} has no default; the import must set it"
    )


def _concrete(model, fields: Sequence[str]) -> dict[str, models.Field]:
    concrete = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(fields) - set(concrete)
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {sorted(unknown)}")
    return concrete


class OrmSink:
    """Any database: `bulk_create` in batches, primary keys read back."""

    def __init__(self):
        self.now = timezone.now()

    def insert(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        rows: Iterable[tuple],
        *,
        constants: dict | None = None,
        with_ids: bool = False,
    ) -> list[int]:
        """Insert rows (values in the order of `fields`); return their keys if asked."""
        constants = constants or {}
        _concrete(model, fields)
        objects = [
            model(**constants, **dict(zip(fields, row, strict=True))) for row in rows
        ]
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return [obj.pk for obj in objects] if with_ids else []

    def update(
        self, model: type[models.Model], changes: list[tuple[int, dict]]
    ) -> None:
        """Set some fields of existing rows; rows changing the same fields go together."""
        stamped = any(f.attname == "updated_at" for f in model._meta.concrete_fields)
        groups: dict[tuple[str, ...], list[models.Model]] = {}
        for pk, values in changes:
            obj = model(pk=pk, **values)
            fields = tuple(sorted(values))
            if stamped:
                obj.updated_at = self.now
                fields = (*fields, "updated_at")
            groups.setdefault(fields, []).append(obj)
        for fields, objects in groups.items():
            model.objects.bulk_update(objects, list(fields), batch_size=500)


def copy_columns(
    model: type[models.Model], fields: Sequence[str], constants: dict, now
) -> tuple[list[str], tuple]:
    """The columns a COPY names (`fields` first) and the values it appends to each
    row for the columns an import does not set."""
    concrete = _concrete(model, fields)
    pk = model._meta.pk.attname
    names = list(fields)
    fixed = []
    for attname, field in concrete.items():
        if attname in names or attname == pk:
            continue
        value = constants[attname] if attname in constants else _default(field, now)
        names.append(attname)
        fixed.append(value)
    return names, tuple(fixed)


# Column types that COPY's binary format takes straight from the Python values
# the import passes (int, str, bool, date, aware datetime, dict or list for
# JSON, None).
BINARY_TYPES = frozenset(
    {"smallint", "integer", "bigint", "boolean", "varchar", "text", "date"}
    | {"timestamp with time zone", "jsonb"}
)


def binary_types(model: type[models.Model], names: list[str]) -> list[str] | None:
    """The PostgreSQL types of the columns, when all of them can go in binary;
    else None (the text format takes anything)."""
    types = []
    for name in names:
        db_type = model._meta.get_field(name).db_type(connection) or ""
        db_type = db_type.split("(", 1)[0]
        if db_type not in BINARY_TYPES:
            return None
        types.append(db_type)
    return types


def _encoded_once(value) -> Jsonb:
    encoded = json.dumps(value).encode()
    return Jsonb(value, dumps=lambda _value: encoded)


def copy_rows(
    cursor, model: type[models.Model], names: list[str], fixed: tuple, rows
) -> None:
    """`COPY` rows into a table on a psycopg cursor.

    In binary when the column types allow: psycopg then encodes each value
    by the column's type instead of looking its adapter up by the value's
    class, which takes a third of the time of the text format.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    types = binary_types(model, names)
    if types is None:
        # The text format takes JSON as its text.
        fixed = tuple(
            json.dumps(value) if isinstance(value, dict | list) else value
            for value in fixed
        )
    else:
        # The same JSON on every row: encoded once, not once a row.
        fixed = tuple(
            _encoded_once(value) if db_type == "jsonb" else value
            for value, db_type in zip(
                fixed, types[len(names) - len(fixed) :], strict=True
            )
        )
    binary = " (FORMAT BINARY)" if types is not None else ""
    with cursor.copy(
        f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN{binary}"
    ) as copy:
        if types is not None:
            copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write((*row, *fixed))


_sequences: dict[str, str] = {}


def reserve_ids(cursor, model: type[models.Model], count: int) -> list[int]:
    """Take `count` primary keys from the table's sequence (safe beside other writers)."""
    if not count:
        return []
    table = model._meta.db_table
    sequence = _sequences.get(table)
    if sequence is None:
        # Looked up once: evaluated per row it would cost more than nextval itself.
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column]
        )
        sequence = _sequences[table] = cursor.fetchone()[0]
    cursor.execute(
        "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
    )
    return [row[0] for row in cursor.fetchall()]


class CopySink(OrmSink):
    """PostgreSQL: `COPY ... FROM STDIN`, with primary keys taken from the sequence."""

    def insert(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        rows: Iterable[tuple],
        *,
        constants: dict | None = None,
        with_ids: bool = False,
    ) -> list[int]:
        rows = rows if isinstance(rows, list) else list(rows)
        if not rows:
            return []
        pk = model._meta.pk.attname
        names, fixed = copy_columns(
            model, ([pk] if with_ids else []) + list(fields), constants or {}, self.now
        )
        with connection.cursor() as wrapper, connection.wrap_database_errors:
            cursor = wrapper.cursor
            ids = reserve_ids(cursor, model, len(rows)) if with_ids else []
            if with_ids:
                rows = ((row_id, *row) for row_id, row in zip(ids, rows, strict=True))
            copy_rows(cursor, model, names, fixed, rows)
        return ids


def sink() -> OrmSink:
    return CopySink() if connection.vendor == "postgresql" else OrmSink()
