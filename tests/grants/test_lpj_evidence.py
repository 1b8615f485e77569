"""The LPJ cycle with evidence: rounds, findings per item, amounts against the
money disbursed, the refund proof, and nothing stored from a refused step."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError

from grants.models import (
    AccountabilityReport,
    Grant,
    LpjEvidence,
    LpjItemReview,
    LpjRound,
)
from grants.services import (
    MSG_REFUND_PROOF_REQUIRED,
    Finding,
    GrantError,
    LpjNotBalanced,
    disbursed_total,
    evidence_in_force,
    kinds_to_review,
    kinds_to_upload,
    record_lpj,
    record_refund,
    review_lpj,
)
from tests.factories import (
    TINY_PDF,
    DisbursementFactory,
    GrantFactory,
    LpjEvidenceFactory,
    LpjItemReviewFactory,
    LpjReminderFactory,
    LpjRoundFactory,
    lpj_evidence,
    png_bytes,
    scan_upload,
)
from tests.grants.helpers import exactly

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]

Status = Grant.Status
LpjStatus = AccountabilityReport.Status
ALL_KINDS = ("penggunaan", "sptj", "kuitansi", "foto")
# The activity photos support an LPJ; the rest make it.
REQUIRED_KINDS = ("penggunaan", "sptj", "kuitansi")


def stored_files(grant: Grant, folder: str = "lpj") -> list[str]:
    """The files kept in the storage for the grant's LPJ evidence (or refund)."""
    try:
        return default_storage.listdir(f"bantuan/{grant.pk}/{folder}")[1]
    except FileNotFoundError:
        return []


def findings(**to_fix: str) -> dict[str, Finding]:
    return {
        kind: Finding(in_order=kind not in to_fix, note=to_fix.get(kind, ""))
        for kind in ALL_KINDS
    }


@pytest.fixture
def disbursed(operator):
    grant = GrantFactory(disbursed=True, amount=10_000_000, proposed_by=operator)
    DisbursementFactory(grant=grant, amount=6_000_000)
    DisbursementFactory(grant=grant, amount=4_000_000, transfer_reference="TRF-2")
    return grant


def hand_in(grant, by, **fields) -> AccountabilityReport:
    values = {
        "submitted_on": datetime.date(2025, 1, 6),
        "amount_spent": 10_000_000,
        "evidence": lpj_evidence(),
    }
    return record_lpj(grant, by=by, **{**values, **fields})


def nothing_stored(grant: Grant) -> bool:
    return (
        not AccountabilityReport.objects.filter(grant=grant).exists()
        and not LpjRound.objects.exists()
        and not LpjEvidence.objects.exists()
        and stored_files(grant) == []
    )


def test_the_first_round_keeps_every_file_and_the_figures(disbursed, operator):
    evidence = lpj_evidence()
    evidence["foto"].append(scan_upload("foto2.pdf"))

    report = hand_in(disbursed, operator, refund_amount=0, evidence=evidence)

    assert report.round == 1
    assert report.status == LpjStatus.SUBMITTED
    lpj_round = report.rounds.get()
    assert (lpj_round.number, lpj_round.amount_spent, lpj_round.refund_amount) == (
        1,
        10_000_000,
        0,
    )
    assert (lpj_round.submitted_by, lpj_round.accepted) == (operator, None)
    assert sorted(report.evidence.values_list("kind", flat=True)) == sorted(
        [*ALL_KINDS, "foto"]
    )
    assert len(stored_files(disbursed)) == 5
    # Stored under generated names with the real type, never the user's name.
    names = [e.file.name for e in report.evidence.all()]
    assert all(name.startswith(f"bantuan/{disbursed.pk}/lpj/") for name in names)
    assert sorted(name.rsplit(".", 1)[1] for name in names) == [
        "pdf",
        "pdf",
        "pdf",
        "pdf",
        "png",
    ]
    assert report.has_usage_report and report.has_signed_statement
    assert report.has_receipts


@pytest.mark.parametrize("missing", REQUIRED_KINDS)
def test_the_first_round_needs_every_required_kind_of_evidence(
    disbursed, operator, missing
):
    evidence = lpj_evidence(*[kind for kind in ALL_KINDS if kind != missing])
    label = LpjEvidence.Kind(missing).label

    with pytest.raises(GrantError, match=exactly(f"Unggah berkas {label}.")):
        hand_in(disbursed, operator, evidence=evidence)

    assert nothing_stored(disbursed)


def test_the_service_checks_every_file_itself(disbursed, operator):
    evidence = lpj_evidence()
    evidence["kuitansi"].append(scan_upload("kuitansi2.pdf", b"GIF89a not a scan"))

    with pytest.raises(GrantError, match=r"Berkas kuitansi2\.pdf bukan PDF"):
        hand_in(disbursed, operator, evidence=evidence)

    assert nothing_stored(disbursed)


def test_a_file_is_stored_under_its_real_type_whatever_its_name(disbursed, operator):
    evidence = lpj_evidence()
    evidence["foto"] = [scan_upload("foto.pdf", png_bytes())]

    report = hand_in(disbursed, operator, evidence=evidence)

    assert report.evidence.get(kind="foto").file.name.endswith(".png")


@pytest.mark.parametrize(
    ("spent", "refund"),
    [(10_000_001, 0), (9_000_000, 1_000_001), (-1, 0), (0, -5)],
)
def test_amounts_beyond_the_disbursed_money_store_nothing(
    disbursed, operator, spent, refund
):
    with pytest.raises(GrantError):
        hand_in(disbursed, operator, amount_spent=spent, refund_amount=refund)

    assert nothing_stored(disbursed)


@pytest.mark.parametrize("status", [Status.APPROVED, Status.REFUND_DUE])
def test_an_lpj_for_a_grant_not_disbursed_stores_nothing(operator, status):
    grant = GrantFactory(status=status, decree_number="SK/1", amount=10_000_000)

    with pytest.raises(GrantError, match="sudah disalurkan"):
        hand_in(grant, operator)

    assert nothing_stored(grant)


def test_the_money_accounted_for_is_what_was_paid_out(operator):
    # A grant paid in full has the grant's amount; one imported as disbursed
    # before payments were recorded counts its amount too.
    paid = GrantFactory(disbursed=True, amount=10_000_000)
    DisbursementFactory(grant=paid, amount=10_000_000)
    imported = GrantFactory(disbursed=True, amount=7_000_000)

    assert disbursed_total(paid) == 10_000_000
    assert disbursed_total(imported) == 7_000_000
    with pytest.raises(GrantError, match=r"\(Rp7\.000\.000\)"):
        hand_in(imported, operator, amount_spent=7_000_001)


def test_a_revision_round_brings_only_the_items_to_fix(disbursed, operator, verifier):
    report = hand_in(disbursed, operator, amount_spent=9_000_000, refund_amount=0)
    first_files = evidence_in_force(report)
    review_lpj(
        report,
        by=verifier,
        items=findings(kuitansi="Kuitansi toko bangunan tidak terbaca"),
    )
    report.refresh_from_db()
    assert report.status == LpjStatus.NEEDS_REVISION
    assert kinds_to_upload(report) == ("kuitansi",)

    # The item marked for a fix must come with new files.
    with pytest.raises(GrantError, match="Bukti pengeluaran \\(kuitansi\\) ditandai"):
        hand_in(disbursed, operator, evidence=lpj_evidence("foto"))
    assert report.rounds.count() == 1
    assert LpjEvidence.objects.filter(round=2).count() == 0

    hand_in(disbursed, operator, evidence=lpj_evidence("kuitansi"))
    report.refresh_from_db()
    assert (report.round, report.status) == (2, LpjStatus.SUBMITTED)
    in_force = evidence_in_force(report)
    assert [e.round for e in in_force["kuitansi"]] == [2]
    assert in_force["penggunaan"] == first_files["penggunaan"]
    assert in_force["foto"] == first_files["foto"]

    review_lpj(report, by=verifier, items=findings())

    report.refresh_from_db()
    assert report.status == LpjStatus.ACCEPTED
    assert Grant.objects.get(pk=disbursed.pk).status == Status.CLOSED
    rounds = list(report.rounds.order_by("number"))
    assert [(r.number, r.accepted, r.amount_spent) for r in rounds] == [
        (1, False, 9_000_000),
        (2, True, 10_000_000),
    ]
    assert list(
        LpjItemReview.objects.filter(in_order=False).values_list(
            "round__number", "kind", "note"
        )
    ) == [(1, "kuitansi", "Kuitansi toko bangunan tidak terbaca")]
    assert LpjItemReview.objects.filter(round=rounds[1], in_order=True).count() == 4
    # Every file of every round is kept.
    assert LpjEvidence.objects.count() == 5
    assert len(stored_files(disbursed)) == 5


def test_a_revision_may_replace_an_item_not_marked(disbursed, operator, verifier):
    report = hand_in(disbursed, operator)
    review_lpj(report, by=verifier, items=findings(sptj="Belum bermeterai"))

    hand_in(disbursed, operator, evidence=lpj_evidence("sptj", "foto"))

    in_force = evidence_in_force(report)
    assert [e.round for e in in_force["sptj"]] == [2]
    assert [e.round for e in in_force["foto"]] == [2]
    assert [e.round for e in in_force["kuitansi"]] == [1]


def test_accepting_needs_the_figures_to_match_the_disbursed_money(
    disbursed, operator, verifier
):
    report = hand_in(disbursed, operator, amount_spent=9_000_000, refund_amount=0)

    with pytest.raises(LpjNotBalanced, match=r"\(Rp9\.000\.000\)"):
        review_lpj(report, by=verifier, items=findings())

    report.refresh_from_db()
    assert report.status == LpjStatus.SUBMITTED
    assert not LpjItemReview.objects.exists()
    assert Grant.objects.get(pk=disbursed.pk).status == Status.DISBURSED


def test_a_review_must_mark_every_item(disbursed, operator, verifier):
    report = hand_in(disbursed, operator)
    items = findings()
    del items["foto"]

    with pytest.raises(GrantError, match="Foto kegiatan"):
        review_lpj(report, by=verifier, items=items)

    assert not LpjItemReview.objects.exists()


def test_an_lpj_without_photos_is_recorded_reviewed_and_accepted_without_them(
    disbursed, operator, verifier
):
    report = hand_in(disbursed, operator, evidence=lpj_evidence(*REQUIRED_KINDS))
    assert kinds_to_review(report) == REQUIRED_KINDS

    items = findings()
    del items["foto"]
    review_lpj(report, by=verifier, items=items)

    report.refresh_from_db()
    assert report.status == LpjStatus.ACCEPTED
    assert sorted(LpjItemReview.objects.values_list("kind", flat=True)) == sorted(
        REQUIRED_KINDS
    )


def test_photos_brought_are_reviewed_and_can_be_sent_back(
    disbursed, operator, verifier
):
    report = hand_in(disbursed, operator)
    assert kinds_to_review(report) == ALL_KINDS

    review_lpj(report, by=verifier, items=findings(foto="Foto buram"))

    report.refresh_from_db()
    assert report.status == LpjStatus.NEEDS_REVISION
    assert kinds_to_upload(report) == ("foto",)


def test_a_legacy_lpj_without_evidence_is_still_accepted(operator, verifier):
    grant = GrantFactory(disbursed=True, amount=10_000_000)
    report = AccountabilityReport.objects.create(
        grant=grant,
        submitted_on=datetime.date(2024, 12, 20),
        amount_spent=10_000_000,
        recorded_by=operator,
    )
    assert report.round == 0

    review_lpj(report, by=verifier, items=findings())

    report.refresh_from_db()
    assert report.status == LpjStatus.ACCEPTED
    assert report.rounds.get().number == 0
    assert Grant.objects.get(pk=grant.pk).status == Status.CLOSED


def test_a_legacy_lpj_sent_back_comes_again_with_all_its_evidence(operator):
    grant = GrantFactory(disbursed=True, amount=10_000_000)
    report = AccountabilityReport.objects.create(
        grant=grant,
        status=LpjStatus.NEEDS_REVISION,
        submitted_on=datetime.date(2024, 12, 20),
        amount_spent=10_000_000,
    )
    assert kinds_to_upload(report) == REQUIRED_KINDS

    with pytest.raises(GrantError, match="Unggah berkas"):
        hand_in(grant, operator, evidence=lpj_evidence("kuitansi"))
    hand_in(grant, operator)

    report.refresh_from_db()
    assert (report.round, report.status) == (1, LpjStatus.SUBMITTED)


def test_files_written_for_rows_that_fail_are_removed_again(operator):
    # A round 1 already on record (say, written by a concurrent request): the
    # round cannot be written, and neither may its files stay behind.
    grant = GrantFactory(disbursed=True, amount=10_000_000)
    report = AccountabilityReport.objects.create(
        grant=grant,
        status=LpjStatus.NEEDS_REVISION,
        submitted_on=datetime.date(2024, 12, 20),
    )
    LpjRound.objects.create(
        report=report,
        number=1,
        submitted_on=datetime.date(2024, 12, 20),
        amount_spent=0,
        refund_amount=0,
    )

    with pytest.raises(IntegrityError):
        hand_in(grant, operator)

    assert stored_files(grant) == []


# The refund and its proof --------------------------------------------------------


@pytest.fixture
def refund_due(disbursed, operator, verifier):
    report = hand_in(
        disbursed, operator, amount_spent=8_000_000, refund_amount=2_000_000
    )
    review_lpj(report, by=verifier, items=findings())
    assert Grant.objects.get(pk=disbursed.pk).status == Status.REFUND_DUE
    return report


def refund(grant, by, proof):
    return record_refund(
        grant,
        by=by,
        refunded_on=datetime.date(2025, 2, 3),
        refund_reference="STS-0042",
        refund_proof=proof,
    )


def test_the_refund_is_recorded_with_its_deposit_proof(
    disbursed, refund_due, treasurer
):
    refund(disbursed, treasurer, scan_upload("setor.pdf"))

    refund_due.refresh_from_db()
    assert refund_due.refund_proof.name.startswith(f"bantuan/{disbursed.pk}/setoran/")
    assert refund_due.refund_proof.name.endswith(".pdf")
    assert refund_due.refund_proof.read() == TINY_PDF
    assert Grant.objects.get(pk=disbursed.pk).status == Status.CLOSED


@pytest.mark.parametrize(
    ("proof", "message"),
    [
        (None, MSG_REFUND_PROOF_REQUIRED),
        (scan_upload("setor.pdf", b"MZ\x90\x00 not a pdf"), "bukan PDF"),
    ],
    ids=["missing", "disguised"],
)
def test_without_a_valid_proof_the_refund_stays_due(
    disbursed, refund_due, treasurer, proof, message
):
    with pytest.raises(GrantError, match=message):
        refund(disbursed, treasurer, proof)

    refund_due.refresh_from_db()
    assert (refund_due.refunded_on, refund_due.refund_proof.name) == (None, "")
    assert stored_files(disbursed, "setoran") == []
    assert Grant.objects.get(pk=disbursed.pk).status == Status.REFUND_DUE


# The admin only reads ------------------------------------------------------------


@pytest.mark.parametrize("model", ["lpjround", "lpjevidence", "lpjreminder"])
def test_the_admin_shows_rounds_evidence_and_reminders_read_only(
    admin_client, disbursed, model
):
    report = AccountabilityReport.objects.create(
        grant=disbursed, submitted_on=datetime.date(2025, 1, 6), round=1
    )
    rows = {
        "lpjround": LpjItemReviewFactory(round=LpjRoundFactory(report=report)).round,
        "lpjevidence": LpjEvidenceFactory(report=report),
        "lpjreminder": LpjReminderFactory(grant=disbursed),
    }

    listing = admin_client.get(f"/admin/grants/{model}/")
    change = admin_client.get(f"/admin/grants/{model}/{rows[model].pk}/change/")
    add = admin_client.get(f"/admin/grants/{model}/add/")

    assert (listing.status_code, change.status_code, add.status_code) == (
        200,
        200,
        403,
    )
    assert b'name="_save"' not in change.content
