"""Database triggers that keep audit tables append-only.

Updates are refused everywhere. Deletes are refused on PostgreSQL only: test
databases on SQLite are flushed with DELETE, while PostgreSQL flushes with
TRUNCATE, which row triggers do not see. SQLite drops a table's triggers when
a migration rebuilds the table, so such a migration installs them again.
"""

from django.db import migrations


def _statements(table: str) -> dict[str, tuple[list[str], list[str]]]:
    function = f"{table}_refuse_change"
    return {
        "sqlite": (
            [
                f"DROP TRIGGER IF EXISTS {table}_no_update;",
                f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
            ],
            [f"DROP TRIGGER IF EXISTS {table}_no_update;"],
        ),
        "postgresql": (
            [
                f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '{table} is append-only';
                END;
                $$;""",
                f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
                f"""CREATE TRIGGER {table}_no_change
                BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {function}();""",
            ],
            [
                f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
                f"DROP FUNCTION IF EXISTS {function}();",
            ],
        ),
    }


def refuse_changes(table: str, *, reverse: bool = True) -> migrations.RunPython:
    """A migration operation that makes `table` append-only in the database."""
    statements = _statements(table)

    def forward(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ([], []))[0]:
            schema_editor.execute(sql)

    def backward(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ([], []))[1]:
            schema_editor.execute(sql)

    return migrations.RunPython(
        forward, backward if reverse else migrations.RunPython.noop
    )
