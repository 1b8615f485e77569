"""The grantee's accountability report (LPJ): recorded with its evidence,
reviewed item by item, round after round, settled."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.money import rupiah

from ..models import (
    AccountabilityReport,
    Grant,
    LpjEvidence,
    LpjEvidenceKind,
    LpjItemReview,
    LpjRound,
)
from .duties import require_role
from .errors import (
    MSG_LPJ_EXISTS,
    MSG_LPJ_NOT_DUE,
    MSG_LPJ_NOT_PENDING,
    MSG_LPJ_RETURNED,
    MSG_LPJ_STALE,
    MSG_NO_PERMISSION,
    MSG_OWN_LPJ,
    GrantError,
    InvalidTransition,
    NotAllowed,
    StaleGrant,
    checked_scan,
)
from .workflow import lock_grant, transition_grant

Status = Grant.Status
LpjStatus = AccountabilityReport.Status
Kind = LpjEvidenceKind

MSG_LPJ_NEGATIVE = gettext_noop("Dana terpakai dan sisa dana tidak boleh negatif.")
MSG_LPJ_SPENT_OVER = gettext_noop(
    "Dana terpakai (%(spent)s) melebihi dana yang disalurkan (%(disbursed)s)."
)
MSG_LPJ_TOTAL_OVER = gettext_noop(
    "Dana terpakai ditambah sisa dana disetor (%(total)s) melebihi dana yang "
    "disalurkan (%(disbursed)s)."
)
MSG_EVIDENCE_MISSING = gettext_noop("Unggah berkas %(kind)s.")
MSG_EVIDENCE_REDO = gettext_noop(
    "%(kind)s ditandai perlu perbaikan; unggah berkas yang sudah diperbaiki."
)
MSG_ITEM_UNREVIEWED = gettext_noop("Pilih Sesuai atau Perlu perbaikan untuk %(kind)s.")
MSG_ITEM_NOTE_REQUIRED = gettext_noop(
    "Tulis catatan perbaikan untuk %(kind)s yang ditandai perlu perbaikan."
)
MSG_LPJ_NOT_BALANCED = gettext_noop(
    "Semua bukti sesuai, tetapi dana terpakai ditambah sisa dana disetor (%(total)s) "
    "tidak sama dengan dana yang disalurkan (%(disbursed)s). Tandai laporan "
    "penggunaan dana perlu perbaikan dan tulis catatannya."
)


class LpjNotBalanced(GrantError):
    """Every item is in order but the figures do not account for the money."""


@dataclass(frozen=True)
class Finding:
    """The verifier's finding on one evidence item."""

    in_order: bool
    note: str = ""


def disbursed_total(grant: Grant) -> int:
    """The money an LPJ accounts for: what was paid out.

    A grant recorded as disbursed without payments (imported from before
    payments were kept) accounts for its amount.
    """
    return grant.disbursed_amount() or grant.amount


def evidence_in_force(report: AccountabilityReport) -> dict[str, list[LpjEvidence]]:
    """Each kind's files of the latest round that has files for it."""
    latest: dict[str, list[LpjEvidence]] = {}
    for evidence in report.evidence.select_related("uploaded_by").order_by(
        "kind", "-round", "pk"
    ):
        files = latest.setdefault(evidence.kind, [])
        if not files or files[0].round == evidence.round:
            files.append(evidence)
    return {kind: latest.get(kind, []) for kind in Kind.values}


def kinds_to_upload(report: AccountabilityReport | None) -> tuple[str, ...]:
    """The evidence kinds the next submission must bring new files for.

    The first round brings every required kind; a correction brings those the
    verifier marked "perlu perbaikan" in the round sent back.
    """
    if report is None or report.round == 0:
        return tuple(LpjEvidence.REQUIRED_KINDS)
    last = report.rounds.filter(number=report.round).first()
    if last is None:
        return tuple(LpjEvidence.REQUIRED_KINDS)
    flagged = set(
        last.item_reviews.filter(in_order=False).values_list("kind", flat=True)
    )
    have = {kind for kind, files in evidence_in_force(report).items() if files}
    return tuple(
        kind
        for kind in Kind
        if kind in flagged or (kind in LpjEvidence.REQUIRED_KINDS and kind not in have)
    )


def kinds_to_review(
    report: AccountabilityReport,
    in_force: dict[str, list[LpjEvidence]] | None = None,
) -> tuple[str, ...]:
    """The evidence kinds the verifier judges: the required ones, and any other
    the grantee brought (`in_force`: `evidence_in_force(report)`, if at hand)."""
    if in_force is None:
        in_force = evidence_in_force(report)
    return tuple(
        kind.value
        for kind in Kind
        if kind in LpjEvidence.REQUIRED_KINDS or in_force[kind.value]
    )


def _check_amounts(grant: Grant, amount_spent: int, refund_amount: int) -> None:
    if amount_spent < 0 or refund_amount < 0:
        raise GrantError(_(MSG_LPJ_NEGATIVE))
    paid = disbursed_total(grant)
    if amount_spent > paid:
        raise GrantError(
            _(MSG_LPJ_SPENT_OVER)
            % {"spent": rupiah(amount_spent), "disbursed": rupiah(paid)}
        )
    if amount_spent + refund_amount > paid:
        raise GrantError(
            _(MSG_LPJ_TOTAL_OVER)
            % {"total": rupiah(amount_spent + refund_amount), "disbursed": rupiah(paid)}
        )


def _store_evidence(
    report: AccountabilityReport,
    number: int,
    evidence: Mapping[str, Sequence[File]],
    extensions: Mapping[int, str],
    by: AbstractBaseUser,
    stored: list[LpjEvidence],
) -> None:
    """Write the files, each with its row; `stored` lists them for a cleanup."""
    for kind in Kind.values:
        for upload in evidence.get(kind) or ():
            row = LpjEvidence(report=report, kind=kind, round=number, uploaded_by=by)
            # Named by its real type: `upload_to` then generates the stored name.
            row.file.save(f"scan.{extensions[id(upload)]}", upload, save=False)
            stored.append(row)
            row.save()


@transaction.atomic
def record_lpj(
    grant: Grant,
    *,
    by: AbstractBaseUser,
    submitted_on: datetime.date,
    amount_spent: int,
    refund_amount: int = 0,
    evidence: Mapping[str, Sequence[File]] | None = None,
    note: str = "",
) -> AccountabilityReport:
    """Record the LPJ a grantee handed in with its evidence, or its correction.

    Each submission is a new round; nothing is stored unless all of it is valid.
    """
    if not by.has_perm("grants.add_accountabilityreport"):
        raise NotAllowed(_(MSG_NO_PERMISSION))
    evidence = {kind: list(files) for kind, files in (evidence or {}).items() if files}
    grant = lock_grant(grant)
    if grant.status != Status.DISBURSED:
        raise InvalidTransition(_(MSG_LPJ_NOT_DUE))
    report = (
        AccountabilityReport.objects.select_for_update().filter(grant=grant).first()
    )
    if report is not None and report.status != LpjStatus.NEEDS_REVISION:
        raise GrantError(_(MSG_LPJ_EXISTS))
    _check_amounts(grant, amount_spent, refund_amount)
    for kind in kinds_to_upload(report):
        if not evidence.get(kind):
            label = Kind(kind).label
            message = MSG_EVIDENCE_REDO if report and report.round else None
            raise GrantError(_(message or MSG_EVIDENCE_MISSING) % {"kind": label})
    # The form checked them already; a caller without one (a command, the demo)
    # gets the same check, before anything is written.
    extensions = {
        id(upload): checked_scan(upload).extension
        for files in evidence.values()
        for upload in files
    }
    report = report or AccountabilityReport(grant=grant)
    report.status = LpjStatus.SUBMITTED
    report.submitted_on = submitted_on
    report.amount_spent = amount_spent
    report.refund_amount = refund_amount
    report.note = f"{report.note}\n{note}".strip() if report.pk else note
    report.recorded_by = by
    report.round += 1
    report.save()
    # Everything was checked above: only now do files reach the storage, and
    # they leave it again if the rows that name them are not written.
    stored: list[LpjEvidence] = []
    try:
        _store_evidence(report, report.round, evidence, extensions, by, stored)
        LpjRound.objects.create(
            report=report,
            number=report.round,
            submitted_on=submitted_on,
            amount_spent=amount_spent,
            refund_amount=refund_amount,
            submitted_by=by,
            note=note,
        )
    except Exception:
        for row in stored:
            row.file.delete(save=False)
        raise
    in_force = evidence_in_force(report)
    report.has_usage_report = bool(in_force[Kind.USAGE_REPORT])
    report.has_signed_statement = bool(in_force[Kind.SIGNED_STATEMENT])
    report.has_receipts = bool(in_force[Kind.RECEIPTS])
    report.save(
        update_fields=[
            "has_usage_report",
            "has_signed_statement",
            "has_receipts",
            "updated_at",
        ]
    )
    return report


def _round_in_review(report: AccountabilityReport) -> LpjRound:
    """The round being reviewed; a legacy LPJ (round 0) gets its round now."""
    current = report.rounds.select_for_update().filter(number=report.round).first()
    if current is None:
        current = LpjRound.objects.create(
            report=report,
            number=report.round,
            submitted_on=report.submitted_on,
            amount_spent=report.amount_spent,
            refund_amount=report.refund_amount,
            submitted_by=report.recorded_by,
        )
    return current


@transaction.atomic
def review_lpj(
    report: AccountabilityReport,
    *,
    by: AbstractBaseUser,
    items: Mapping[str, Finding],
    note: str = "",
    expected_status: str | None = None,
    expected_version: str | None = None,
) -> AccountabilityReport:
    """Record the finding on each evidence item; the decision follows from them.

    Every item in order and the money accounted for: accepted (the grant closes,
    or waits for the refund). Any item needing a fix: sent back for a new round.
    `expected_version` is the `version` of the report the reviewer read: a
    report corrected since is not decided unseen.
    """
    require_role(by, "review_lpj")
    # The grant first, then its LPJ: the order every service takes them in.
    grant = lock_grant(report.grant)
    report = AccountabilityReport.objects.select_for_update().get(pk=report.pk)
    if (expected_status is not None and report.status != expected_status) or (
        expected_version is not None and report.version != expected_version
    ):
        raise StaleGrant(_(MSG_LPJ_STALE))
    if report.status == LpjStatus.ACCEPTED:
        raise GrantError(_(MSG_LPJ_NOT_PENDING))
    if report.status == LpjStatus.NEEDS_REVISION:
        raise GrantError(_(MSG_LPJ_RETURNED))
    if report.recorded_by_id is not None and report.recorded_by_id == by.pk:
        raise NotAllowed(_(MSG_OWN_LPJ))
    reviewed = kinds_to_review(report)
    for kind in reviewed:
        finding = items.get(kind)
        label = Kind(kind).label
        if finding is None:
            raise GrantError(_(MSG_ITEM_UNREVIEWED) % {"kind": label})
        if not finding.in_order and not finding.note.strip():
            raise GrantError(_(MSG_ITEM_NOTE_REQUIRED) % {"kind": label})
    accept = all(items[kind].in_order for kind in reviewed)
    paid = disbursed_total(grant)
    total = report.amount_spent + report.refund_amount
    if accept and total != paid:
        raise LpjNotBalanced(
            _(MSG_LPJ_NOT_BALANCED)
            % {"total": rupiah(total), "disbursed": rupiah(paid)}
        )
    now = timezone.now()
    current = _round_in_review(report)
    LpjItemReview.objects.bulk_create(
        LpjItemReview(
            round=current,
            kind=kind,
            in_order=items[kind].in_order,
            note=items[kind].note.strip(),
        )
        for kind in reviewed
    )
    current.accepted = accept
    current.reviewed_by = by
    current.reviewed_at = now
    current.note = note.strip()
    current.save(update_fields=["accepted", "reviewed_by", "reviewed_at", "note"])
    findings = [
        f"{Kind(kind).label}: {items[kind].note.strip()}"
        for kind in reviewed
        if not items[kind].in_order
    ]
    added = "\n".join([*findings, note.strip()]).strip()
    report.status = LpjStatus.ACCEPTED if accept else LpjStatus.NEEDS_REVISION
    report.reviewed_by = by
    report.reviewed_at = now
    if added:
        report.note = f"{report.note}\n{added}".strip()
    report.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "note", "updated_at"]
    )
    if accept:
        to = Status.REFUND_DUE if report.refund_amount > 0 else Status.CLOSED
        transition_grant(
            grant,
            to=to,
            by=by,
            note=note.strip() or _("LPJ diterima."),
            expected_status=Status.DISBURSED,
        )
    return report
