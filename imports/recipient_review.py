"""The checks and summaries of a recipient list that need every row: changes
to existing institutions, budget ceilings, the warnings about proposals
(aided the year before, LPJ overdue, LKSA documents), and what the import
will do, in sentences.
"""

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.money import rupiah
from grants.models import Grant
from grants.services import (
    MSG_ACCREDITATION_INVALID,
    MSG_PERMIT_INVALID,
    WARN_AIDED_LAST_YEAR,
    WARN_LPJ_OVERDUE,
)
from institutions.models import Institution

from .matching import FIELD_LABELS
from .planning import UNCHANGED, UPDATED
from .programs import program_key

Status = Grant.Status

MSG_OVER_CEILING = gettext_noop(
    "Bantuan yang disalurkan dalam berkas (%(added)s) melampaui sisa pagu program "
    "%(program)s (%(room)s)."
)
WARN_LKSA_DOCUMENTS = gettext_noop("%(problem)s Periksa saat verifikasi.")
EFFECT_INSTITUTIONS = gettext_noop(
    "Lembaga baru: %(new)s; lembaga diperbarui: %(updated)s."
)
EFFECT_GRANTS = gettext_noop(
    "Bantuan baru: %(new)s (diusulkan %(proposed)s, disalurkan %(disbursed)s, "
    "jumlah %(amount)s); bantuan diperbarui: %(updated)s."
)
EFFECT_PROGRAM = gettext_noop(
    "Program baru: %(name)s, tahun %(year)s, pagu %(ceiling)s."
)
MSG_CEILING_NEEDED = gettext_noop(
    "Program %(program)s belum ada dan akan dibuat: isi pagunya di pratinjau, "
    "lalu periksa ulang."
)
CHANGE_LINE = gettext_noop("%(name)s: %(field)s %(old)s \u2192 %(new)s")
LKSA_DOCUMENTS = ("permit_expires_on", "accreditation", "accreditation_expires_on")


class ListReview:
    """What `RecipientPlanner` does after its last row (see `conclude`)."""

    def conclude(self) -> None:
        self._institution_changes()
        if self.with_grants:
            self._ceilings()
            self._grant_warnings()
        self._effects()

    def _institution_changes(self) -> None:
        index = self.institutions
        self.institution_updates = index.changes()
        states = self.states
        for pk, new, old in self.institution_updates:
            for row_index in index.rows_of[pk]:
                if states[row_index] == UNCHANGED:
                    states[row_index] = UPDATED
            name = index.known[pk].name
            for field, value in new.items():
                self.report.change(
                    _(CHANGE_LINE)
                    % {
                        "name": name,
                        "field": _(FIELD_LABELS[field]),
                        "old": old[field] or "-",
                        "new": value,
                    }
                )

    def _ceilings(self) -> None:
        """Aided grants against each programme's room, on the planned rows alone.

        Nothing is written before this check, so the room is what the
        database holds now; a programme to create has the ceiling the user
        typed, which must cover what the file pays out of it.
        """
        new_programs = []
        for program in list(self.programs.by_ref.values()):
            if program.new:
                if not program.added:
                    continue
                new_programs.append(
                    {
                        "key": program_key(program.year, program.name),
                        "year": program.year,
                        "name": program.name,
                        "needed": program.added,
                    }
                )
                if not program.typed_ceiling or program.typed_ceiling <= 0:
                    self.report.error(
                        None,
                        "program",
                        program.name,
                        _(MSG_CEILING_NEEDED)
                        % {"program": f"{program.name} ({program.year})"},
                    )
                    continue
                program.budget_ceiling = program.typed_ceiling
                room = program.typed_ceiling
            elif program.added_aided:
                room = (
                    program.budget_ceiling
                    - Grant.objects.filter(program_id=program.ref).committed_total()
                )
            else:
                continue
            if program.added_aided > room:
                self.report.error(
                    None,
                    "nilai_bantuan",
                    rupiah(program.added_aided),
                    _(MSG_OVER_CEILING)
                    % {
                        "added": rupiah(program.added_aided),
                        "program": f"{program.name} ({program.year})",
                        "room": rupiah(max(room, 0)),
                    },
                )
        self.report.new_programs = new_programs

    def _grant_warnings(self) -> None:
        proposed = [g for g in self.new_grants if g.status == Status.PROPOSED]
        if not proposed:
            return
        aided_in_file = {
            (g.program.year, g.institution)
            for g in self.new_grants
            if g.status == Status.DISBURSED
        }
        aided_by_year: dict[int, set[int]] = {}
        for year in {g.program.year - 1 for g in proposed}:
            aided_by_year[year] = set(
                Grant.objects.aided()
                .filter(program__year=year)
                .order_by()
                .values_list("institution_id", flat=True)
            )
        existing = [g.institution for g in proposed if g.institution > 0]
        overdue = (
            set(
                Grant.objects.overdue_lpj(timezone.localdate())
                .filter(institution_id__in=existing)
                .values_list("institution_id", flat=True)
            )
            if existing
            else set()
        )
        lksa = self._lksa_documents([g.institution for g in proposed])
        aided_message = {
            year: _(WARN_AIDED_LAST_YEAR) % {"year": year} for year in aided_by_year
        }
        for grant in proposed:
            year = grant.program.year - 1
            ref = grant.institution
            if ref in aided_by_year[year] or (year, ref) in aided_in_file:
                self.report.warn(
                    grant.row,
                    "nama_lembaga",
                    self.institutions.record(ref).name,
                    aided_message[year],
                )
            if ref in overdue:
                self.report.warn(
                    grant.row,
                    "nama_lembaga",
                    self.institutions.record(ref).name,
                    _(WARN_LPJ_OVERDUE),
                )
            for problem in lksa.get(ref, ()):
                self.report.warn(
                    grant.row,
                    "jenis_lembaga",
                    "LKSA",
                    _(WARN_LKSA_DOCUMENTS) % {"problem": _(problem)},
                )

    def _lksa_documents(self, refs: list[int]) -> dict[int, list[str]]:
        """LKSA whose operating permit or accreditation is missing or expired."""
        index = self.institutions
        refs = [r for r in refs if index.record(r).kind == Institution.Kind.LKSA]
        if not refs:
            return {}
        today = timezone.localdate()
        documents = {}
        for ref in refs:
            if ref < 0:
                fields = index.planned[ref].fields
                documents[ref] = tuple(fields.get(name) for name in LKSA_DOCUMENTS)
        known = [r for r in refs if r > 0]
        for pk, *values in Institution.objects.filter(pk__in=known).values_list(
            "pk", *LKSA_DOCUMENTS
        ):
            # What this import writes counts, not what it replaces.
            wanted = index.wanted.get(pk, {})
            documents[pk] = tuple(
                wanted[name][0] if name in wanted else value
                for name, value in zip(LKSA_DOCUMENTS, values, strict=True)
            )
        problems: dict[int, list[str]] = defaultdict(list)
        for ref, (permit, grade, grade_until) in documents.items():
            if not permit or permit < today:
                problems[ref].append(MSG_PERMIT_INVALID)
            if not grade or not grade_until or grade_until < today:
                problems[ref].append(MSG_ACCREDITATION_INVALID)
        return problems

    def _effects(self) -> None:
        report = self.report
        report.effects.append(
            _(EFFECT_INSTITUTIONS)
            % {
                "new": len(self.institutions.planned),
                "updated": len(self.institution_updates),
            }
        )
        if not self.with_grants:
            return
        disbursed = sum(1 for g in self.new_grants if g.status == Status.DISBURSED)
        report.effects.append(
            _(EFFECT_GRANTS)
            % {
                "new": len(self.new_grants),
                "proposed": len(self.new_grants) - disbursed,
                "disbursed": disbursed,
                "amount": rupiah(sum(g.amount for g in self.new_grants)),
                "updated": len(self.grant_updates),
            }
        )
        for program in self.programs.planned:
            report.effects.append(
                _(EFFECT_PROGRAM)
                % {
                    "name": program.name,
                    "year": program.year,
                    "ceiling": rupiah(program.budget_ceiling),
                }
            )

    @property
    def years(self) -> set[int]:
        """The programme years this import touches (their reports must be recounted)."""
        if not self.with_grants:
            return set()
        years = {g.program.year for g in self.new_grants}
        if self.grant_updates:
            years |= set(
                Grant.objects.filter(pk__in=[pk for pk, *_ in self.grant_updates])
                .values_list("program__year", flat=True)
                .distinct()
            )
        return years
