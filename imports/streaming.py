"""Write a recipient list to PostgreSQL while it is still being read.

Checking rows is Python's work and storing them is the database server's;
on a machine with two cores they can run at once. The planner hands every
accepted new institution and proposal to a `StreamingWriter`, which sends them in
chunks with `COPY` from a second thread, on the same connection and so in the
same transaction. Foreign keys are checked as each chunk lands rather than
at commit, so that this work too overlaps the reading. Nothing here decides
anything: if the plan turns out to have an error, the caller rolls the whole
transaction back. Historical grants never come here: `writer` hands them to
the grants service that checks and writes them, after the last row.
"""

import queue
import sys
import threading

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Grant, GrantEvent, Program
from institutions.models import Institution

from .models import ImportBatch
from .sinks import copy_columns, copy_line, copy_text, reserve_ids
from .writer import (
    GRANT_FIELDS,
    INSTITUTION_FIELDS,
    NOTE_PROPOSED,
    institution_values,
    note,
)

GRANT_FIELDS_BUT_INSTITUTION = tuple(f for f in GRANT_FIELDS if f != "institution_id")
CHUNK_ROWS = 5000
QUEUED_CHUNKS = 4
# While rows stream, the writer thread waits on the socket often and must get
# the interpreter back quickly, or the server idles: CPython's default switch
# interval (5 ms) lets the reading thread hold it for that long every time.
SWITCH_INTERVAL = 0.0002


class StreamingWriter:
    """Rows go in as they are planned; `finish()` waits until all have landed."""

    def __init__(self, *, batch: ImportBatch, user):
        self.batch = batch
        self.user_id = user.pk if user is not None else None
        self.raw = connection.connection
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUED_CHUNKS)
        self.institutions: list = []
        self.grants: list = []
        self.institution_ids: dict[int, int] = {}
        self.grant_ids: list[int] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="import-writer")
        self.note = _(NOTE_PROPOSED)
        self.started = False
        self.now = timezone.now()
        batch_id, user_id = batch.pk, self.user_id
        # Per table: the COPY's column names, keys the writer thread assigns
        # first, and the text appended to every row for the columns an import
        # does not set.
        self.columns = {
            table: (names, "".join(f"\t{copy_text(value)}" for value in fixed))
            for table, (names, fixed) in {
                "institution": copy_columns(
                    Institution,
                    ("id", *INSTITUTION_FIELDS),
                    {"created_by_id": user_id, "import_batch_id": batch_id},
                    self.now,
                ),
                "grant": copy_columns(
                    Grant,
                    ("id", "institution_id", *GRANT_FIELDS_BUT_INSTITUTION),
                    {"import_batch_id": batch_id},
                    self.now,
                ),
                "event": copy_columns(
                    GrantEvent,
                    ("grant_id", "from_status", "to_status", "actor_id", "note"),
                    {},
                    self.now,
                ),
            }.items()
        }

    # Called from the planner ---------------------------------------------

    def start(self) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.started = True
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.thread.start()

    def program(self, info) -> int:
        """Create a planned programme now, so that grants can point at it."""
        program = Program.objects.create(
            year=info.year, name=info.name, budget_ceiling=1
        )
        return program.pk

    def institution(self, planned) -> None:
        self.institutions.append(planned)
        if len(self.institutions) >= CHUNK_ROWS:
            self._send()

    def grant(self, grant) -> None:
        """Take a new proposal (historical grants are written elsewhere)."""
        assert grant.status == Grant.Status.PROPOSED
        self.grants.append(grant)
        if len(self.grants) >= CHUNK_ROWS:
            self._send()

    def _raise(self) -> None:
        # As Django's own cursors do: psycopg's errors become django.db's.
        with connection.wrap_database_errors:
            raise self.error

    def _send(self) -> None:
        if self.error is not None:
            self._raise()
        if not self.started:
            self.start()
        chunk = self._format(self.institutions, self.grants)
        self.institutions, self.grants = [], []
        self.queue.put(chunk)

    def _format(self, institutions: list, grants: list) -> tuple:
        """Turn a chunk into COPY text, all but the keys only the writer knows.

        Done here, in the reading thread, which has time to spare while the
        server works; the writer thread then only adds keys and sends bytes.
        """
        line = copy_line
        user_id = self.user_id
        proposed = Grant.Status.PROPOSED
        template, batch = self.note, self.batch
        columns = self.columns
        return (
            [
                (p.ref, line(institution_values(p)) + columns["institution"][1])
                for p in institutions
            ],
            [
                (
                    g.institution,
                    # The importing user proposed it and set its amount.
                    line(
                        (g.program.pk, g.amount, g.purpose, proposed, user_id, user_id)
                    )
                    + columns["grant"][1],
                    line(("", proposed, user_id, note(template, batch, g)))
                    + columns["event"][1],
                )
                for g in grants
            ],
        )

    def finish(self) -> None:
        """Send what is left, wait for the thread, and raise what it raised."""
        if self.institutions or self.grants:
            self._send()
        self.close()
        if self.error is not None:
            self._raise()

    def close(self, *, failed: bool = False) -> None:
        """Stop the thread; after a failure leave the connection to the rollback."""
        if self.started and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
            sys.setswitchinterval(self._switch_interval)
        if self.started and self.error is None and not failed:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    # The writer thread ------------------------------------------------------

    def _run(self) -> None:
        while True:
            chunk = self.queue.get()
            if chunk is None:
                return
            if self.error is not None:
                continue
            try:
                self._write(*chunk)
            except BaseException as error:  # handed to the reading thread
                self.error = error

    def _copy(self, cursor, model, names: list[str], lines) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with cursor.copy(sql) as copy:
            copy.write("".join(lines).encode())

    def _write(self, institutions: list, grants: list) -> None:
        columns = self.columns
        with self.raw.cursor() as cursor:
            if institutions:
                ids = reserve_ids(cursor, Institution, len(institutions))
                known = self.institution_ids
                lines = []
                for (ref, rest), pk in zip(institutions, ids, strict=True):
                    known[ref] = pk
                    lines.append(f"{pk}\t{rest}\n")
                self._copy(cursor, Institution, columns["institution"][0], lines)
            if not grants:
                return
            ids = reserve_ids(cursor, Grant, len(grants))
            self.grant_ids.extend(ids)
            known = self.institution_ids
            self._copy(
                cursor,
                Grant,
                columns["grant"][0],
                (
                    f"{pk}\t{known.get(ref, ref)}\t{rest}\n"
                    for (ref, rest, _event), pk in zip(grants, ids, strict=True)
                ),
            )
            self._copy(
                cursor,
                GrantEvent,
                columns["event"][0],
                (
                    f"{pk}\t{event}\n"
                    for (_ref, _rest, event), pk in zip(grants, ids, strict=True)
                ),
            )
