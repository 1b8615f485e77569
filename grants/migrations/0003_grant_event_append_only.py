"""Make the grant audit trail append-only in the database itself.

Updates are refused everywhere. Deletes are refused on PostgreSQL only: test
databases on SQLite are flushed with DELETE, while PostgreSQL flushes with
TRUNCATE, which row triggers do not see.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER grants_grantevent_no_update BEFORE UPDATE ON grants_grantevent
    BEGIN SELECT RAISE(ABORT, 'grant events are append-only'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS grants_grantevent_no_update;"]

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION grants_grantevent_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'grant events are append-only';
    END;
    $$;""",
    """CREATE TRIGGER grants_grantevent_no_change
    BEFORE UPDATE OR DELETE ON grants_grantevent
    FOR EACH ROW EXECUTE FUNCTION grants_grantevent_refuse_change();""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS grants_grantevent_no_change ON grants_grantevent;",
    "DROP FUNCTION IF EXISTS grants_grantevent_refuse_change();",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("grants", "0002_roles")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
