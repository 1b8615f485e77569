"""Beranda's "Tugas saya": what waits for the user, per role, counted live.

The counts come from the grants tables, not the report summaries: a queue must
be exact the moment after an action, not after the summaries are recounted.
Each count matches the list its link opens, under the same regency scope.
"""

import dataclasses
import datetime
from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import roles
from grants.filters import LpjFilter
from grants.models import Grant, GrantQuerySet, LpjState, LpjStatus, Program
from institutions.models import Institution, InstitutionDocument

Status = Grant.Status

# An LPJ falling due within this many days is worth starting on now.
LPJ_DUE_SOON_DAYS = 30
# A document in force ending within this many days is worth renewing now.
DOCUMENT_EXPIRING_DAYS = 30
# A programme whose commitments reach this share of its ceiling is near it.
NEAR_CEILING_PERCENT = 90

# The permission that marks each role's work; a superuser has them all.
ROLE_PERMISSIONS = {
    roles.OPERATOR: "grants.propose_grant",
    roles.VERIFIKATOR: "grants.verify_grant",
    roles.PIMPINAN: "grants.approve_grant",
    roles.BENDAHARA: "grants.disburse_grant",
}


@dataclasses.dataclass(frozen=True)
class Task:
    label: str
    count: int
    url: str
    role: str

    @property
    def is_empty(self) -> bool:
        return self.count == 0


def _url(name: str, **params: str) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _grant_counts(user, today: datetime.date) -> dict[str, int]:
    """Every grant queue in one aggregate query, within the user's regencies.

    The LPJ conditions are those of the LPJ list's `keadaan` filter."""
    no_report = Q(status__in=Grant.AIDED_STATUSES, accountability_report__isnull=True)
    # A hibah is paid only once its NPHD is on record (grants.services).
    payable = Q(status=Status.APPROVED) & (
        ~Q(program__spending_type=Program.SpendingType.HIBAH)
        | (~Q(nphd_number="") & Q(nphd_date__isnull=False))
    )
    conditions = {
        "needs_revision": Q(status=Status.NEEDS_REVISION),
        "lpj_overdue": no_report & Q(program__lpj_due_date__lt=today),
        "lpj_due_soon": no_report
        & Q(
            program__lpj_due_date__gte=today,
            program__lpj_due_date__lte=today
            + datetime.timedelta(days=LPJ_DUE_SOON_DAYS),
        ),
        "lpj_returned": Q(accountability_report__status=LpjStatus.NEEDS_REVISION),
        "proposed": Q(status=Status.PROPOSED),
        "lpj_submitted": Q(accountability_report__status=LpjStatus.SUBMITTED),
        "bank_changed": GrantQuerySet.bank_change_pending_condition(),
        "verified": Q(status=Status.VERIFIED),
        "payable": payable,
        "refund_due": Q(status=Status.REFUND_DUE),
    }
    return Grant.objects.visible_to(user).aggregate(
        **{
            name: Count("pk", filter=condition)
            for name, condition in conditions.items()
        }
    )


def _documents_expiring(user, today: datetime.date) -> int:
    """Documents in force of active institutions, expired or ending soon."""
    horizon = today + datetime.timedelta(days=DOCUMENT_EXPIRING_DAYS)
    return (
        InstitutionDocument.objects.filter(
            institution__in=Institution.objects.visible_to(user).active(),
            expires_on__lte=horizon,
        )
        .latest_per_kind()
        .count()
    )


def _programs_near_ceiling() -> int:
    # Ceilings are the province's: the count is not limited to a regency.
    # Compared in whole numbers: integer division would round the bar down.
    return (
        Program.objects.open()
        .with_committed_total()
        .annotate(committed_times_100=F("committed_total") * 100)
        .filter(committed_times_100__gte=F("budget_ceiling") * NEAR_CEILING_PERCENT)
        .count()
    )


def tasks_for(user) -> list[Task]:
    """The tasks waiting for the user's roles; none for a Pengamat (who has the
    figures). Besides the permission lookups, at most four queries: the
    regency scope, the grants, the institution documents, the programmes."""
    held = [role for role, perm in ROLE_PERMISSIONS.items() if user.has_perm(perm)]
    if not held:
        return []
    today = timezone.localdate()
    counts = _grant_counts(user, today)
    grants = "grants:grant_list"
    lpj = "grants:lpj_list"
    tasks: list[Task] = []
    if roles.OPERATOR in held:
        tasks += [
            Task(
                _("Usulan dikembalikan untuk diperbaiki"),
                counts["needs_revision"],
                _url(grants, status=Status.NEEDS_REVISION),
                roles.OPERATOR,
            ),
            Task(
                _("LPJ terlambat, belum dicatat"),
                counts["lpj_overdue"],
                _url(lpj, keadaan=LpjState.OVERDUE),
                roles.OPERATOR,
            ),
            # The LPJ list has no due-date filter: the link shows every LPJ
            # not yet due, those due soon among them.
            Task(
                _("LPJ jatuh tempo dalam %(days)d hari, belum dicatat")
                % {"days": LPJ_DUE_SOON_DAYS},
                counts["lpj_due_soon"],
                _url(lpj, keadaan=LpjState.NOT_SUBMITTED),
                roles.OPERATOR,
            ),
            Task(
                _("LPJ dikembalikan untuk diperbaiki"),
                counts["lpj_returned"],
                _url(lpj, keadaan=LpjState.NEEDS_REVISION),
                roles.OPERATOR,
            ),
            # The institution list's filter shows the institutions concerned.
            Task(
                _("Dokumen lembaga kedaluwarsa atau berakhir dalam %(days)d hari")
                % {"days": DOCUMENT_EXPIRING_DAYS},
                _documents_expiring(user, today),
                _url("institutions:list", dokumen_kedaluwarsa="1"),
                roles.OPERATOR,
            ),
        ]
    if roles.VERIFIKATOR in held:
        tasks += [
            Task(
                _("Usulan menunggu verifikasi"),
                counts["proposed"],
                _url(grants, status=Status.PROPOSED),
                roles.VERIFIKATOR,
            ),
            Task(
                _("LPJ menunggu pemeriksaan"),
                counts["lpj_submitted"],
                _url(lpj, keadaan=LpjState.SUBMITTED),
                roles.VERIFIKATOR,
            ),
            Task(
                _("Rekening berubah, menunggu konfirmasi"),
                counts["bank_changed"],
                _url(grants, rekening_berubah="on"),
                roles.VERIFIKATOR,
            ),
        ]
    if roles.PIMPINAN in held:
        tasks += [
            Task(
                _("Bantuan menunggu persetujuan"),
                counts["verified"],
                _url(grants, status=Status.VERIFIED),
                roles.PIMPINAN,
            ),
            # The programme list has no filter for this: it shows them all,
            # with what each has committed of its ceiling.
            Task(
                _("Program mendekati pagu (%(percent)d%% atau lebih)")
                % {"percent": NEAR_CEILING_PERCENT},
                _programs_near_ceiling(),
                reverse("grants:program_list"),
                roles.PIMPINAN,
            ),
        ]
    if roles.BENDAHARA in held:
        tasks += [
            # The grant list cannot filter on the NPHD: the link shows every
            # approved grant, hibah still waiting for an NPHD among them.
            Task(
                _("Bantuan disetujui, siap disalurkan"),
                counts["payable"],
                _url(grants, status=Status.APPROVED),
                roles.BENDAHARA,
            ),
            Task(
                _("Menunggu setor kembali"),
                counts["refund_due"],
                _url(lpj, keadaan=LpjFilter.REFUND_DUE),
                roles.BENDAHARA,
            ),
        ]
    return tasks
