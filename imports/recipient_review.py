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
CHANGE_LINE = gettext_noop("%(name)s: %(field)s %(old)s → %(new)s")
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
        scratch = self.scratch
        years = {year - 1 for year in scratch.proposal_years()}
        if not years:
            return
        aided_by_year: dict[int, set[int]] = {
            year: set(
                Grant.objects.aided()
                .filter(program__year=year)
                .order_by()
                .values_list("institution_id", flat=True)
            )
            for year in years
        }
        existing = scratch.proposed_known_institutions()
        overdue = set()
        for start in range(0, len(existing), 2000):
            overdue.update(
                Grant.objects.overdue_lpj(timezone.localdate())
                .filter(institution_id__in=existing[start : start + 2000])
                .values_list("institution_id", flat=True)
            )
        lksa = self._lksa_documents(existing)
        del existing
        # Each message translated once, not once a row.
        aided_message = {
            year: _(WARN_AIDED_LAST_YEAR) % {"year": year} for year in aided_by_year
        }
        overdue_message = _(WARN_LPJ_OVERDUE)
        lksa_message = {
            problem: _(WARN_LKSA_DOCUMENTS) % {"problem": _(problem)}
            for problem in (MSG_PERMIT_INVALID, MSG_ACCREDITATION_INVALID)
        }
        known = self.institutions.known
        for row, year, ref, aided_in_file, planned_name in scratch.proposals(
            Status.DISBURSED
        ):
            name = planned_name if ref < 0 else known[ref].name
            if aided_in_file or ref in aided_by_year[year - 1]:
                self.report.warn(row, "nama_lembaga", name, aided_message[year - 1])
            if ref in overdue:
                self.report.warn(row, "nama_lembaga", name, overdue_message)
            for problem in lksa.get(ref, ()):
                self.report.warn(row, "jenis_lembaga", "LKSA", lksa_message[problem])

    def _lksa_documents(self, existing: list[int]) -> dict[int, list[str]]:
        """LKSA proposed for whose operating permit or accreditation is missing
        or expired: `existing` are the proposals' institutions in the database;
        the planned ones come from the scratch file."""
        index = self.institutions
        lksa = Institution.Kind.LKSA
        documents = {
            ref: tuple(fields.get(name) for name in LKSA_DOCUMENTS)
            for ref, fields in self.scratch.proposed_institutions_of_kind(lksa)
        }
        known = [r for r in existing if index.known[r].kind == lksa]
        for start in range(0, len(known), 2000):
            for pk, *values in Institution.objects.filter(
                pk__in=known[start : start + 2000]
            ).values_list("pk", *LKSA_DOCUMENTS):
                # What this import writes counts, not what it replaces.
                wanted = index.wanted.get(pk, {})
                documents[pk] = tuple(
                    wanted[name][0] if name in wanted else value
                    for name, value in zip(LKSA_DOCUMENTS, values, strict=True)
                )
        today = timezone.localdate()
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
                "new": self.institutions.planned_count,
                "updated": len(self.institution_updates),
            }
        )
        if not self.with_grants:
            return
        totals = {
            status: (count, amount)
            for status, count, amount in self.scratch.grant_totals()
        }
        proposed = totals.get(Status.PROPOSED, (0, 0))
        disbursed = totals.get(Status.DISBURSED, (0, 0))
        report.effects.append(
            _(EFFECT_GRANTS)
            % {
                "new": proposed[0] + disbursed[0],
                "proposed": proposed[0],
                "disbursed": disbursed[0],
                "amount": rupiah(proposed[1] + disbursed[1]),
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
        years = self.scratch.grant_years() if self.scratch is not None else set()
        if self.grant_updates:
            years |= set(
                Grant.objects.filter(pk__in=[pk for pk, *_ in self.grant_updates])
                .values_list("program__year", flat=True)
                .distinct()
            )
        return years
