"""Which programme a row belongs to: named by `program`, or by `tahun` when that
year has exactly one programme; missing ones are planned on request.

A missing programme is created by an import only when the user asked for it
and may create programmes (`grants.services.can_manage_programs`), and only
with the ceiling the user typed for it, never one taken from the file: the
preview lists the programmes the file needs (`Report.new_programs`) and asks
for their ceilings.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.text import normalize_name
from grants.models import Grant, Program

DEFAULT_NAME = "Bantuan Sosial Lembaga %(year)s"

MSG_NO_PROGRAM = gettext_noop(
    "Tahun %(year)s belum memiliki program bantuan. Buat programnya dulu, atau "
    "centang “buat program yang belum ada”."
)
MSG_PROGRAM_BY_PIMPINAN = gettext_noop(
    "Program tahun %(year)s belum ada. Program dibuat oleh Pimpinan di menu "
    "Program & Bantuan, atau lewat impor oleh pengguna yang berwenang membuat "
    "program, dengan pagu yang diketik sendiri."
)
MSG_SEVERAL_PROGRAMS = gettext_noop(
    "Tahun %(year)s memiliki beberapa program (%(names)s); isi kolom program."
)
MSG_UNKNOWN_PROGRAM = gettext_noop("Program “%(name)s” tidak ditemukan.")
MSG_UNKNOWN_PROGRAM_YEAR = gettext_noop(
    "Program “%(name)s” tahun %(year)s tidak ditemukan."
)
MSG_PROGRAM_NEEDS_YEAR = gettext_noop(
    "Program “%(name)s” ada di beberapa tahun (%(years)s); isi kolom tahun."
)
MSG_PROGRAM_YEAR_DIFFERS = gettext_noop(
    "Program “%(name)s” adalah program tahun %(program_year)s, bukan %(year)s."
)


def program_key(year: int, name: str) -> str:
    """How the user's ceiling for a programme to create is keyed (`Options`)."""
    return f"{year}|{' '.join(name.split())}"


class ProgramError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(slots=True)
class ProgramInfo:
    ref: int
    year: int
    name: str
    kinds: frozenset[str]
    budget_ceiling: int = 0
    decree_number: str = ""
    decree_date: datetime.date | None = None
    closed: bool = False
    # Whether new proposals may go in (`Program.objects.open_for_proposals`).
    takes_proposals: bool = False
    new: bool = False
    # Amounts of the grants the import adds: all of them, and the aided ones.
    added: int = 0
    added_aided: int = 0
    # The ceiling the user typed for a programme the import creates.
    typed_ceiling: int | None = None
    grants: dict | None = field(default=None)
    # The database key: the ref of an existing programme, or of a planned one
    # once it has been created.
    pk: int | None = None


class ProgramIndex:
    def __init__(
        self,
        *,
        create_missing: bool,
        today: datetime.date,
        may_create: bool = False,
        ceilings: dict[str, int] | None = None,
    ):
        # Asked for, and allowed to a user who may create programmes.
        self.create_missing = create_missing
        self.may_create = may_create
        self.ceilings = ceilings or {}
        self.this_year = today.year
        self.by_ref: dict[int, ProgramInfo] = {}
        self.by_year: dict[int, list[ProgramInfo]] = {}
        self.by_name: dict[str, list[ProgramInfo]] = {}
        taking_proposals = set(
            Program.objects.open_for_proposals(today).values_list("pk", flat=True)
        )
        for program in Program.objects.all():
            info = ProgramInfo(
                program.pk,
                program.year,
                program.name,
                frozenset(program.eligible_kinds),
                program.budget_ceiling,
                program.decree_number,
                program.decree_date,
                closed=not program.is_open,
                takes_proposals=program.pk in taking_proposals,
                pk=program.pk,
            )
            self._add(info)
        self._memo: dict[tuple, ProgramInfo | ProgramError] = {}

    def _add(self, info: ProgramInfo) -> None:
        self.by_ref[info.ref] = info
        self.by_year.setdefault(info.year, []).append(info)
        self.by_name.setdefault(normalize_name(info.name), []).append(info)

    def find(self, year: int | None, name: str) -> ProgramInfo:
        key = (year, name)
        found = self._memo.get(key)
        if found is None:
            try:
                found = self._find(year, name)
            except ProgramError as error:
                found = error
            self._memo[key] = found
        if isinstance(found, ProgramError):
            raise found
        return found

    def _find(self, year: int | None, name: str) -> ProgramInfo:
        if name:
            matches = self.by_name.get(normalize_name(name), [])
            if year is not None:
                in_year = [p for p in matches if p.year == year]
                if in_year:
                    return in_year[0]
                if self.create_missing:
                    return self._plan(year, name)
                if matches:
                    raise ProgramError(
                        "tahun",
                        _(MSG_PROGRAM_YEAR_DIFFERS)
                        % {"name": name, "program_year": matches[0].year, "year": year},
                    )
                raise ProgramError(
                    "program",
                    _(MSG_UNKNOWN_PROGRAM_YEAR) % {"name": name, "year": year},
                )
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise ProgramError(
                    "tahun",
                    _(MSG_PROGRAM_NEEDS_YEAR)
                    % {"name": name, "years": ", ".join(str(p.year) for p in matches)},
                )
            raise ProgramError("program", _(MSG_UNKNOWN_PROGRAM) % {"name": name})
        programs = self.by_year.get(year, [])
        if len(programs) == 1:
            return programs[0]
        if programs:
            raise ProgramError(
                "program",
                _(MSG_SEVERAL_PROGRAMS)
                % {"year": year, "names": ", ".join(p.name for p in programs)},
            )
        if self.create_missing:
            return self._plan(year, DEFAULT_NAME % {"year": year})
        if not self.may_create:
            raise ProgramError("tahun", _(MSG_PROGRAM_BY_PIMPINAN) % {"year": year})
        raise ProgramError("tahun", _(MSG_NO_PROGRAM) % {"year": year})

    def _plan(self, year: int, name: str) -> ProgramInfo:
        if not self.may_create:
            raise ProgramError("tahun", _(MSG_PROGRAM_BY_PIMPINAN) % {"year": year})
        info = ProgramInfo(
            -(len([p for p in self.by_ref.values() if p.new]) + 1),
            year,
            " ".join(name.split()),
            frozenset(Program(year=year).eligible_kinds),
            new=True,
            grants={},
            takes_proposals=year in (self.this_year, self.this_year + 1),
        )
        # Keyed by year and name (the page), or by year alone (the command line).
        info.typed_ceiling = self.ceilings.get(
            program_key(info.year, info.name), self.ceilings.get(str(info.year))
        )
        self._add(info)
        return info

    @property
    def planned(self) -> list[ProgramInfo]:
        """The programmes to create: those that some accepted row needs."""
        return [p for p in self.by_ref.values() if p.new and p.added]

    def grants_of(self, program: ProgramInfo) -> dict[int, tuple]:
        """Existing grants of a programme by institution, read on first use."""
        if program.grants is None:
            program.grants = {
                row[0]: row[1:]
                for row in Grant.objects.filter(program_id=program.ref)
                .order_by()
                .values_list("institution_id", "pk", "status", "amount", "purpose")
            }
        return program.grants
