"""Write a recipient list to PostgreSQL while it is still being read.

Checking rows is Python's work and storing them is the database server's;
on a machine with two cores they can run at once. The planner hands every
accepted new institution and grant to a `StreamingWriter`, which sends them in
chunks with `COPY` from a second thread, on the same connection and so in the
same transaction. Foreign keys are checked as each chunk lands rather than
at commit, so that this work too overlaps the reading. Nothing here decides
anything: if the plan turns out to have an error, the caller rolls the whole
transaction back.
"""

import queue
import sys
import threading

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from grants.models import Disbursement, Grant, GrantEvent, Program
from institutions.models import ImportBatch, Institution

from .sinks import copy_columns, copy_rows, reserve_ids
from .writer import (
    GRANT_FIELDS,
    INSTITUTION_FIELDS,
    NOTE_HISTORICAL,
    NOTE_PROPOSED,
    institution_values,
    note,
)

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
        self.notes = {
            "proposed": _(NOTE_PROPOSED),
            "historical": _(NOTE_HISTORICAL),
        }
        self.started = False
        self.now = timezone.now()

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
        chunk = (self.institutions, self.grants)
        self.institutions, self.grants = [], []
        self.queue.put(chunk)

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

    def _copy(self, cursor, model, fields, constants, rows) -> None:
        names, fixed = copy_columns(model, fields, constants, self.now)
        copy_rows(cursor, model, names, fixed, rows)

    def _write(self, institutions: list, grants: list) -> None:
        batch_id, user_id = self.batch.pk, self.user_id
        with self.raw.cursor() as cursor:
            if institutions:
                ids = reserve_ids(cursor, Institution, len(institutions))
                for planned, pk in zip(institutions, ids, strict=True):
                    self.institution_ids[planned.ref] = pk
                self._copy(
                    cursor,
                    Institution,
                    ("id", *INSTITUTION_FIELDS),
                    {"created_by_id": user_id, "import_batch_id": batch_id},
                    (
                        (pk, *institution_values(planned))
                        for planned, pk in zip(institutions, ids, strict=True)
                    ),
                )
            if not grants:
                return
            ids = reserve_ids(cursor, Grant, len(grants))
            self.grant_ids.extend(ids)
            institution_ids = self.institution_ids
            self._copy(
                cursor,
                Grant,
                ("id", *GRANT_FIELDS),
                {"import_batch_id": batch_id},
                (
                    (
                        pk,
                        g.program.pk,
                        institution_ids.get(g.institution, g.institution),
                        g.amount,
                        g.purpose,
                        g.status,
                        g.decree_number,
                        g.decree_date,
                        user_id if g.status == Grant.Status.PROPOSED else None,
                    )
                    for g, pk in zip(grants, ids, strict=True)
                ),
            )
            proposed, historical = self.notes["proposed"], self.notes["historical"]
            batch = self.batch
            self._copy(
                cursor,
                GrantEvent,
                ("grant_id", "from_status", "to_status", "actor_id", "note"),
                {},
                (
                    (
                        pk,
                        "",
                        g.status,
                        user_id,
                        note(historical if g.paid_on else proposed, batch, g),
                    )
                    for g, pk in zip(grants, ids, strict=True)
                ),
            )
            paid = [(pk, g) for g, pk in zip(grants, ids, strict=True) if g.paid_on]
            if paid:
                self._copy(
                    cursor,
                    Disbursement,
                    ("grant_id", "paid_on", "amount"),
                    {"recorded_by_id": user_id},
                    ((pk, g.paid_on, g.amount) for pk, g in paid),
                )
