"""The plan of a list, kept in a temporary file while it is made.

A national-scale list of a million rows plans some 800,000 institutions and a
million grants; held as Python objects they take gigabytes. The planner keeps
them instead in a temporary SQLite database (bounded page cache, no journal),
found by the same keys, and the writer reads them back in chunks, so that
memory stays flat whatever the size of the file. The file lives in the
system's temporary directory (or `BANSOS_IMPORT_SCRATCH_DIR`) and is deleted
when the plan is closed.
"""

import datetime
import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .sources import FileRejected

MSG_NO_SCRATCH_SPACE = gettext_noop(
    "Server tidak dapat menyiapkan ruang kerja sementara untuk memeriksa berkas "
    "(%(error)s). Hubungi administrator; tidak ada yang disimpan."
)

# Rows kept in memory before they go into the file, in one statement.
INSTITUTION_BATCH = GRANT_BATCH = 2000
PLANNED_COLUMNS = "ref, kind, name, name_key, village, registration, row, fields"
SCHEMA = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = FILE;
PRAGMA cache_size = -16000;
CREATE TABLE institution (
    ref INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    registration TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    village TEXT NOT NULL,
    row INTEGER NOT NULL,
    fields BLOB NOT NULL
);
CREATE INDEX institution_registration ON institution (registration)
    WHERE registration <> '';
CREATE TABLE new_grant (
    row INTEGER PRIMARY KEY,
    program INTEGER NOT NULL,
    year INTEGER NOT NULL,
    institution INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    status TEXT NOT NULL,
    decree_number TEXT NOT NULL,
    decree_date TEXT,
    paid_on TEXT
);
"""
# Only the checks after the last row look grants up by institution: the index
# is built then, in one pass, rather than kept up row by row.
GRANT_INDEX = (
    "CREATE INDEX new_grant_by_institution ON new_grant (institution, year, status)"
)


class ScratchUnavailable(FileRejected):
    """The temporary database cannot be made: the file is refused with a
    message, like a file that cannot be read, never with a server error."""


@dataclass(slots=True)
class Planned:
    """An institution the import will create (`ref` is negative)."""

    ref: int
    kind: str
    name: str
    name_key: str
    village: str
    registration: str
    row: int
    fields: dict = field(default_factory=dict)
    active: bool = True


@dataclass(slots=True)
class NewGrant:
    """A grant the import will create."""

    row: int
    program: int
    year: int
    institution: int
    amount: int
    purpose: str
    status: str
    decree_number: str
    decree_date: datetime.date | None
    paid_on: datetime.date | None


def institution_key(kind: str, name_key: str, village: str) -> str:
    return f"{kind}\x1f{village}\x1f{name_key}"


def stored_fields(fields: dict) -> bytes:
    """An institution's details as kept: equal details give equal bytes."""
    return pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


class Scratch:
    """Planned institutions and grants of one plan; `close()` deletes them."""

    def __init__(self):
        try:
            self._folder = tempfile.TemporaryDirectory(
                prefix="bansos-import-", dir=settings.BANSOS_IMPORT_SCRATCH_DIR
            )
            path = Path(self._folder.name) / "plan.sqlite3"
            self.db = sqlite3.connect(path, isolation_level=None)
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise ScratchUnavailable(
                _(MSG_NO_SCRATCH_SPACE) % {"error": error}
            ) from None
        # One transaction for the whole plan: nothing here needs to survive it.
        self.db.execute("BEGIN")
        self.institution_count = 0
        self.grant_count = 0
        # The hashes of the planned institutions' keys and registration
        # numbers: most rows name an institution not planned yet, and a set
        # says so without a query (a hash in the set only means "look").
        self._key_hashes: set[int] = set()
        self._registration_hashes: set[int] = set()
        # The last institutions planned, not yet in the file (rows in the order
        # of PLANNED_COLUMNS, then the key), by number (-ref), key and
        # registration: they go in a batch at a time.
        self._institutions: dict[int, tuple] = {}
        self._institution_keys: dict[str, int] = {}
        self._registrations: dict[str, int] = {}
        # New grants are only read once every row is planned: they go in batches.
        self._grants: list[tuple] = []
        self._grants_indexed = False

    def close(self) -> None:
        self.db.close()
        self._folder.cleanup()

    # Institutions -----------------------------------------------------------

    def add_institution(self, planned: Planned) -> int:
        """Keep a new institution; return its (negative) ref."""
        self.institution_count += 1
        number = self.institution_count
        planned.ref = -number
        key = institution_key(planned.kind, planned.name_key, planned.village)
        self._key_hashes.add(hash(key))
        self._institution_keys[key] = number
        if planned.registration:
            self._registration_hashes.add(hash(planned.registration))
            self._registrations.setdefault(planned.registration, number)
        self._institutions[number] = (
            number,
            planned.kind,
            planned.name,
            planned.name_key,
            planned.village,
            planned.registration,
            planned.row,
            stored_fields(planned.fields),
            key,
        )
        if len(self._institutions) >= INSTITUTION_BATCH:
            self._flush_institutions()
        return planned.ref

    def _flush_institutions(self) -> None:
        if self._institutions:
            self.db.executemany(
                f"INSERT INTO institution ({PLANNED_COLUMNS}, key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._institutions.values(),
            )
            self._institutions = {}
            self._institution_keys = {}
            self._registrations = {}

    def find_institution(
        self, kind: str, name_key: str, village: str
    ) -> tuple[int, bytes] | None:
        """The planned institution with this key: (ref, its details as stored)."""
        key = institution_key(kind, name_key, village)
        if hash(key) not in self._key_hashes:
            return None
        number = self._institution_keys.get(key)
        if number is not None:
            return -number, self._institutions[number][7]
        row = self.db.execute(
            "SELECT ref, fields FROM institution WHERE key = ?", (key,)
        ).fetchone()
        return (-row[0], row[1]) if row else None

    def find_registration(self, registration: str) -> int | None:
        if hash(registration) not in self._registration_hashes:
            return None
        number = self._registrations.get(registration)
        if number is not None:
            return -number
        row = self.db.execute(
            "SELECT ref FROM institution WHERE registration = ? AND registration <> ''",
            (registration,),
        ).fetchone()
        return -row[0] if row else None

    def institution(self, ref: int) -> Planned:
        row = self._institutions.get(-ref)
        if row is None:
            row = self.db.execute(
                f"SELECT {PLANNED_COLUMNS} FROM institution WHERE ref = ?", (-ref,)
            ).fetchone()
        return self._planned(row[:8])

    def update_institution(self, ref: int, fields: dict, registration: str) -> None:
        if registration:
            self._registration_hashes.add(hash(registration))
        row = self._institutions.get(-ref)
        if row is not None:
            if registration:
                self._registrations.setdefault(registration, -ref)
            self._institutions[-ref] = (
                *row[:5],
                registration,
                row[6],
                stored_fields(fields),
                row[8],
            )
            return
        self.db.execute(
            "UPDATE institution SET fields = ?, registration = ? WHERE ref = ?",
            (stored_fields(fields), registration, -ref),
        )

    def institutions(self, chunk_rows: int) -> Iterator[list[Planned]]:
        """Every planned institution in ref order (-1, -2, ...), a chunk at a time."""
        for rows in self._pages(
            f"SELECT {PLANNED_COLUMNS} FROM institution WHERE ref > ? "
            "ORDER BY ref LIMIT ?",
            (),
            chunk_rows,
        ):
            yield [self._planned(row) for row in rows]

    def _pages(self, sql: str, params: tuple, chunk_rows: int) -> Iterator[list]:
        """The rows of `sql`, a page at a time, by its first column (the key):
        `sql` ends with `key > ? ORDER BY key LIMIT ?`, after `params`."""
        last = 0
        while rows := self._query(sql, (*params, last, chunk_rows)).fetchall():
            last = rows[-1][0]
            yield rows

    def _query(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        """Read, once the rows waiting for their batch are in."""
        self._flush_institutions()
        self._flush()
        if not self._grants_indexed:
            self.db.execute(GRANT_INDEX)
            self._grants_indexed = True
        return self.db.execute(sql, params)

    @staticmethod
    def _planned(row) -> Planned:
        ref, kind, name, name_key, village, registration, number, fields = row
        return Planned(
            -ref,
            kind,
            name,
            name_key,
            village,
            registration,
            number,
            pickle.loads(fields),
        )

    # New grants ----------------------------------------------------------------

    def add_grant(self, grant: NewGrant) -> None:
        self.grant_count += 1
        self._grants.append(
            (
                grant.row,
                grant.program,
                grant.year,
                grant.institution,
                grant.amount,
                grant.purpose,
                grant.status,
                grant.decree_number,
                grant.decree_date.isoformat() if grant.decree_date else None,
                grant.paid_on.isoformat() if grant.paid_on else None,
            )
        )
        if len(self._grants) >= GRANT_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._grants:
            self.db.executemany(
                "INSERT INTO new_grant VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._grants,
            )
            self._grants = []

    def grants(self, statuses: tuple[str, ...], chunk_rows: int):
        """New grants of these statuses in row order, a chunk at a time."""
        marks = ", ".join("?" * len(statuses))
        for rows in self._pages(
            f"SELECT * FROM new_grant WHERE status IN ({marks}) AND row > ? "
            "ORDER BY row LIMIT ?",
            statuses,
            chunk_rows,
        ):
            yield [NewGrant(*row[:8], _date(row[8]), _date(row[9])) for row in rows]

    def grant_totals(self) -> list[tuple[str, int, int]]:
        """(status, count, amount) of the new grants."""
        return self._query(
            "SELECT status, count(*), sum(amount) FROM new_grant GROUP BY status"
        ).fetchall()

    def grant_years(self) -> set[int]:
        return {year for (year,) in self._query("SELECT DISTINCT year FROM new_grant")}

    def proposal_years(self) -> set[int]:
        return {
            year
            for (year,) in self._query(
                "SELECT DISTINCT year FROM new_grant WHERE status = 'proposed'"
            )
        }

    def proposed_known_institutions(self) -> list[int]:
        """Institutions already in the database that the file proposes for."""
        return [
            pk
            for (pk,) in self._query(
                "SELECT DISTINCT institution FROM new_grant "
                "WHERE status = 'proposed' AND institution > 0 ORDER BY institution"
            )
        ]

    def proposed_institutions_of_kind(self, kind: str) -> Iterator[tuple[int, dict]]:
        """(ref, details) of planned institutions of a kind that the file proposes for."""
        for ref, fields in self._query(
            "SELECT i.ref, i.fields FROM institution i WHERE i.kind = ? AND EXISTS "
            "(SELECT 1 FROM new_grant p WHERE p.institution = -i.ref "
            "AND p.status = 'proposed')",
            (kind,),
        ):
            yield -ref, pickle.loads(fields)

    def proposals(self, aided: str) -> Iterator[tuple[int, int, int, bool, str | None]]:
        """(row, year, institution, aided the year before in this file, name of a
        planned institution) of every new proposal, in row order."""
        return self._query(
            "SELECT p.row, p.year, p.institution, EXISTS (SELECT 1 FROM new_grant h "
            "WHERE h.institution = p.institution AND h.year = p.year - 1 "
            "AND h.status = ?), i.name FROM new_grant p "
            "LEFT JOIN institution i ON i.ref = -p.institution "
            "WHERE p.status = 'proposed' ORDER BY p.row",
            (aided,),
        )
