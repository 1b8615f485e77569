"""Beranda's "Tugas saya": what waits for the user, per role, counted live.

The counts come from the grants tables, not the report summaries: a queue must
be exact the moment after an action, not after the summaries are recounted.
Each count matches the list its link opens, under the same regency scope.
"""

import dataclasses
import datetime
from urllib.parse import urlencode

from django.db.models import Case, CharField, Count, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import roles
from grants.filters import LpjFilter
from grants.models import Grant, GrantQuerySet, LpjState, LpjStatus, Program
from institutions.filters import DOCUMENTS_LAPSING
from institutions.models import Institution, InstitutionDocument
from institutions.queries import with_document_expired

Status = Grant.Status

# How many waiting grants each task lists by name on Beranda.
ITEMS_PER_TASK = 3
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
class TaskItem:
    """One waiting grant, linked straight to where its next step is done."""

    name: str
    amount: int
    url: str


@dataclasses.dataclass(frozen=True)
class Task:
    label: str
    count: int
    url: str
    role: str
    items: tuple[TaskItem, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.count == 0


def _url(name: str, **params: str) -> str:
    return f"{reverse(name)}?{urlencode(params)}"


def _grant_conditions(today: datetime.date) -> dict[str, Q]:
    """Each grant queue's condition. The LPJ conditions are those of the LPJ
    list's `keadaan` filter."""
    no_report = Q(status__in=Grant.AIDED_STATUSES, accountability_report__isnull=True)
    # A hibah is paid only once its NPHD is on record (grants.services).
    payable = Q(status=Status.APPROVED) & (
        ~Q(program__spending_type=Program.SpendingType.HIBAH)
        | (~Q(nphd_number="") & Q(nphd_date__isnull=False))
    )
    return {
        "needs_revision": Q(status=Status.NEEDS_REVISION),
        "lpj_overdue": no_report & Q(program__lpj_due_date__lt=today),
        "lpj_to_record": no_report & Q(program__lpj_due_date__gte=today),
        "lpj_returned": Q(accountability_report__status=LpjStatus.NEEDS_REVISION),
        "proposed": Q(status=Status.PROPOSED),
        "lpj_submitted": Q(accountability_report__status=LpjStatus.SUBMITTED),
        "bank_changed": GrantQuerySet.bank_change_pending_condition(),
        "verified": Q(status=Status.VERIFIED),
        "payable": payable,
        "refund_due": Q(status=Status.REFUND_DUE),
    }


def _grant_counts(user, conditions: dict[str, Q]) -> dict[str, int]:
    """Every grant queue in one aggregate query, within the user's regencies."""
    return Grant.objects.visible_to(user).aggregate(
        **{
            name: Count("pk", filter=condition)
            for name, condition in conditions.items()
        }
    )


# Queues whose grants wait for an LPJ to be recorded: their items open the LPJ
# form; the others open the grant page, where the next step is open.
LPJ_RECORD_QUEUES = frozenset({"lpj_overdue", "lpj_to_record", "lpj_returned"})


def _first_grants(
    user, conditions: dict[str, Q], queues: list[str]
) -> dict[str, list[TaskItem]]:
    """The first waiting grants of each queue (the longest waiting first), in
    one query: each grant is labelled with the first queue it is in, then
    numbered within it."""
    if not queues:
        return {}
    queue = Case(
        *(When(conditions[name], then=Value(name)) for name in queues),
        output_field=CharField(),
    )
    waiting = Q()
    for name in queues:
        waiting |= conditions[name]
    rows = (
        Grant.objects.visible_to(user)
        .filter(waiting)
        .annotate(
            queue=queue,
            place=Window(
                RowNumber(),
                partition_by=[queue],
                order_by=[F("updated_at").asc(), F("pk").asc()],
            ),
        )
        .filter(place__lte=ITEMS_PER_TASK)
        .values_list("queue", "pk", "institution__name", "amount")
        .order_by("queue", "place")
    )
    items: dict[str, list[TaskItem]] = {}
    for name, pk, institution, amount in rows:
        view = (
            "grants:lpj_record" if name in LPJ_RECORD_QUEUES else "grants:grant_detail"
        )
        items.setdefault(name, []).append(
            TaskItem(institution, amount, reverse(view, args=[pk]))
        )
    return items


# The grant queues of each role, those whose grants Beranda lists by name.
ROLE_QUEUES = {
    roles.OPERATOR: ("needs_revision", "lpj_overdue", "lpj_to_record", "lpj_returned"),
    roles.VERIFIKATOR: ("proposed", "lpj_submitted", "bank_changed"),
    roles.PIMPINAN: ("verified",),
    roles.BENDAHARA: ("payable", "refund_due"),
}


def _held_queues(held: list[str]) -> list[str]:
    return [queue for role in held for queue in ROLE_QUEUES[role]]


def _documents_lapsing(user, today: datetime.date) -> int:
    """Active institutions with a document lapsed or lapsing soon: exactly those
    the institution list's `dokumen_kedaluwarsa=segera` shows."""
    return with_document_expired(
        Institution.objects.visible_to(user).active(),
        today,
        within_days=InstitutionDocument.LAPSING_DAYS,
    ).count()


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
    conditions = _grant_conditions(today)
    counts = _grant_counts(user, conditions)
    items = _first_grants(user, conditions, _held_queues(held))

    def grant_task(queue: str, label: str, url: str, role: str) -> Task:
        return Task(label, counts[queue], url, role, tuple(items.get(queue, ())))

    grants = "grants:grant_list"
    lpj = "grants:lpj_list"
    tasks: list[Task] = []
    if roles.OPERATOR in held:
        tasks += [
            grant_task(
                "needs_revision",
                _("Usulan dikembalikan untuk diperbaiki"),
                _url(grants, status=Status.NEEDS_REVISION),
                roles.OPERATOR,
            ),
            grant_task(
                "lpj_overdue",
                _("LPJ terlambat, belum dicatat"),
                _url(lpj, keadaan=LpjState.OVERDUE),
                roles.OPERATOR,
            ),
            # Every LPJ still to record before its due date, those the
            # reminders are about among them; the link lists exactly these.
            grant_task(
                "lpj_to_record",
                _("LPJ belum dicatat, belum jatuh tempo"),
                _url(lpj, keadaan=LpjState.NOT_SUBMITTED),
                roles.OPERATOR,
            ),
            grant_task(
                "lpj_returned",
                _("LPJ dikembalikan untuk diperbaiki"),
                _url(lpj, keadaan=LpjState.NEEDS_REVISION),
                roles.OPERATOR,
            ),
            Task(
                _(
                    "Lembaga dengan dokumen kedaluwarsa atau berakhir dalam %(days)d hari"
                )
                % {"days": InstitutionDocument.LAPSING_DAYS},
                _documents_lapsing(user, today),
                _url(
                    "institutions:list",
                    dokumen_kedaluwarsa=DOCUMENTS_LAPSING,
                    aktif="1",
                ),
                roles.OPERATOR,
            ),
        ]
    if roles.VERIFIKATOR in held:
        tasks += [
            grant_task(
                "proposed",
                _("Usulan menunggu verifikasi"),
                _url(grants, status=Status.PROPOSED),
                roles.VERIFIKATOR,
            ),
            grant_task(
                "lpj_submitted",
                _("LPJ menunggu pemeriksaan"),
                _url(lpj, keadaan=LpjState.SUBMITTED),
                roles.VERIFIKATOR,
            ),
            grant_task(
                "bank_changed",
                _("Rekening berubah, menunggu konfirmasi"),
                _url(grants, rekening_berubah="on"),
                roles.VERIFIKATOR,
            ),
        ]
    if roles.PIMPINAN in held:
        tasks += [
            grant_task(
                "verified",
                _("Bantuan menunggu persetujuan"),
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
            grant_task(
                "payable",
                _("Bantuan disetujui, siap disalurkan"),
                _url(grants, status=Status.APPROVED),
                roles.BENDAHARA,
            ),
            grant_task(
                "refund_due",
                _("Menunggu setor kembali"),
                _url(lpj, keadaan=LpjFilter.REFUND_DUE),
                roles.BENDAHARA,
            ),
        ]
    return tasks
