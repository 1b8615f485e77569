"""LPJ pages of the staff workspace: recording, reviewing, the refund and the
list's states. Who may open which page is in test_access.py."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from grants.models import AccountabilityReport, Grant, GrantEvent, LpjItemReview
from grants.services import (
    MSG_LPJ_EXISTS,
    MSG_LPJ_NOT_DUE,
    MSG_LPJ_NOT_PENDING,
    MSG_LPJ_RETURNED,
    MSG_LPJ_STALE,
)
from institutions.models import Village
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
    lpj_evidence,
    scan_upload,
)
from tests.web.pages import field_error, form_errors, messages_shown, page

pytestmark = pytest.mark.django_db

Status = Grant.Status
LpjStatus = AccountabilityReport.Status
TODAY = timezone.localdate()
YEAR = TODAY.year


@pytest.fixture
def users(db):
    return {
        "operator": UserFactory(username="operator", role="Operator"),
        "verifikator": UserFactory(username="verifikator", role="Verifikator"),
        "verifikator2": UserFactory(username="verifikator2", role="Verifikator"),
        "bendahara": UserFactory(username="bendahara", role="Bendahara"),
    }


@pytest.fixture
def as_user(client, users):
    def login(who: str):
        client.force_login(users[who])
        return client

    return login


@pytest.fixture
def village(regions):
    return Village.objects.get(code="75.02.01.2004")


@pytest.fixture
def disbursed(village, users):
    return GrantFactory(
        program=ProgramFactory(year=YEAR),
        institution=InstitutionFactory(
            name="Majelis Taklim Al Ikhlas", village=village
        ),
        disbursed=True,
        amount=10_000_000,
        proposed_by=users["operator"],
    )


# A review carries the LPJ status the reviewer saw on the grant page, and a
# finding per evidence item.
KINDS = ("penggunaan", "sptj", "kuitansi", "foto")
ACCEPT = {
    "expected_status": "submitted",
    **{f"item_{kind}": "sesuai" for kind in KINDS},
}


def revise(**notes: str) -> dict:
    """A review asking to fix the items named (kind=note), the others in order."""
    return {
        **ACCEPT,
        **{f"item_{kind}": "perbaikan" for kind in notes},
        **{f"note_{kind}": note for kind, note in notes.items()},
    }


REVISE = revise(kuitansi="Kuitansi belanja tidak lengkap")


def lpj_data(spent="9.500.000", refund="500.000", kinds=KINDS, **extra) -> dict:
    evidence = lpj_evidence(*kinds)
    return {
        "submitted_on": f"05/01/{YEAR}",
        "amount_spent": spent,
        "refund_amount": refund,
        "note": "Diserahkan langsung oleh bendahara lembaga",
        **{f"evidence_{kind}": files for kind, files in evidence.items()},
        **extra,
    }


def test_an_operator_records_an_lpj_with_amounts_typed_with_dots(
    as_user, users, disbursed
):
    client = as_user("operator")
    assert client.get(f"/lpj/{disbursed.pk}/catat/").status_code == 200

    response = client.post(f"/lpj/{disbursed.pk}/catat/", lpj_data())

    assert response.status_code == 302
    assert response.url == f"/bantuan/{disbursed.pk}/"
    report = AccountabilityReport.objects.get(grant=disbursed)
    assert report.status == LpjStatus.SUBMITTED
    assert (report.amount_spent, report.refund_amount) == (9_500_000, 500_000)
    assert report.submitted_on == datetime.date(YEAR, 1, 5)
    assert report.round == 1
    assert sorted(report.evidence.values_list("kind", "round")) == sorted(
        (kind, 1) for kind in KINDS
    )
    assert report.rounds.get().amount_spent == 9_500_000
    assert report.recorded_by == users["operator"]
    disbursed.refresh_from_db()
    assert disbursed.status == Status.DISBURSED
    detail = page(client.get(response.url))
    assert "LPJ dicatat." in detail
    assert "<dt>Dana terpakai</dt><dd>Rp9.500.000</dd>" in detail
    assert "<dt>Sisa dana</dt><dd>Rp500.000" in detail


def test_an_lpj_without_a_refund_records_zero(as_user, disbursed):
    as_user("operator").post(
        f"/lpj/{disbursed.pk}/catat/", lpj_data(spent="Rp10.000.000", refund="")
    )

    report = AccountabilityReport.objects.get(grant=disbursed)
    assert (report.amount_spent, report.refund_amount) == (10_000_000, 0)


@pytest.mark.parametrize(
    ("spent", "refund", "message"),
    [
        (
            "9.000.000",
            "2.000.000",
            "Dana terpakai ditambah sisa dana disetor (Rp11.000.000) melebihi dana "
            "yang disalurkan (Rp10.000.000).",
        ),
        (
            "10.000.001",
            "",
            "Dana terpakai (Rp10.000.001) melebihi dana yang disalurkan "
            "(Rp10.000.000).",
        ),
    ],
)
def test_amounts_beyond_the_grant_are_refused(
    as_user, disbursed, spent, refund, message
):
    response = as_user("operator").post(
        f"/lpj/{disbursed.pk}/catat/", lpj_data(spent=spent, refund=refund)
    )

    assert response.status_code == 400
    assert form_errors(response) == [message]
    assert f'name="amount_spent" value="{spent}"' in page(response)
    assert not AccountabilityReport.objects.exists()


@pytest.mark.parametrize("status", [Status.APPROVED, Status.CLOSED, Status.PROPOSED])
def test_an_lpj_is_refused_for_a_grant_not_disbursed(as_user, disbursed, status):
    Grant.objects.filter(pk=disbursed.pk).update(status=status)

    response = as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_data())

    assert response.status_code == 400
    assert form_errors(response) == [MSG_LPJ_NOT_DUE]
    assert not AccountabilityReport.objects.exists()


def test_a_second_lpj_for_a_grant_is_refused(as_user, disbursed):
    client = as_user("operator")
    client.post(f"/lpj/{disbursed.pk}/catat/", lpj_data())

    response = client.post(f"/lpj/{disbursed.pk}/catat/", lpj_data(spent="1.000.000"))

    assert response.status_code == 400
    assert form_errors(response) == [MSG_LPJ_EXISTS]
    assert AccountabilityReport.objects.get().amount_spent == 9_500_000


@pytest.fixture
def submitted(as_user, disbursed):
    def record(refund: str):
        spent = f"{10_000_000 - int(refund.replace('.', '')):,}".replace(",", ".")
        as_user("operator").post(
            f"/lpj/{disbursed.pk}/catat/", lpj_data(spent=spent, refund=refund)
        )
        return AccountabilityReport.objects.get(grant=disbursed)

    return record


def test_accepting_an_lpj_without_refund_closes_the_grant(
    as_user, users, disbursed, submitted
):
    report = submitted("0")
    client = as_user("verifikator")
    detail = page(client.get(f"/bantuan/{disbursed.pk}/"))
    assert f'action="/lpj/{disbursed.pk}/periksa/"' in detail
    assert '<input type="hidden" name="expected_status" value="submitted"' in detail

    response = client.post(f"/lpj/{disbursed.pk}/periksa/", ACCEPT)

    assert response.status_code == 302
    assert "LPJ diterima." in messages_shown(client.get(response.url))
    report.refresh_from_db()
    disbursed.refresh_from_db()
    assert (report.status, report.reviewed_by) == (
        LpjStatus.ACCEPTED,
        users["verifikator"],
    )
    assert disbursed.status == Status.CLOSED
    event = GrantEvent.objects.get(grant=disbursed)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        Status.DISBURSED,
        Status.CLOSED,
        users["verifikator"],
        "LPJ diterima.",
    )


def test_an_lpj_with_a_refund_waits_for_the_deposit_before_closing(
    as_user, users, disbursed, submitted
):
    report = submitted("500.000")
    as_user("verifikator").post(f"/lpj/{disbursed.pk}/periksa/", ACCEPT)
    disbursed.refresh_from_db()
    assert disbursed.status == Status.REFUND_DUE

    client = as_user("bendahara")
    detail = client.get(f"/bantuan/{disbursed.pk}/")
    assert 'id="form-refund"' in page(detail)
    response = client.post(
        f"/bantuan/{disbursed.pk}/refund/",
        {
            "refund-expected_status": "refund_due",
            "refund-refunded_on": f"20/01/{YEAR}",
            "refund-refund_reference": "STS-0099",
            "refund-refund_proof": scan_upload("setoran.pdf"),
        },
    )

    assert response.status_code == 302
    disbursed.refresh_from_db()
    report.refresh_from_db()
    assert disbursed.status == Status.CLOSED
    assert (report.refunded_on, report.refund_reference) == (
        datetime.date(YEAR, 1, 20),
        "STS-0099",
    )
    assert report.refund_proof.name.startswith(f"bantuan/{disbursed.pk}/setoran/")
    assert list(
        disbursed.events.order_by("pk").values_list(
            "to_status", "actor__username", "note"
        )
    ) == [
        ("refund_due", "verifikator", "LPJ diterima."),
        ("closed", "bendahara", "Sisa dana disetor, bukti STS-0099."),
    ]


def test_a_refund_needs_its_deposit_reference(as_user, disbursed, submitted):
    submitted("500.000")
    as_user("verifikator").post(f"/lpj/{disbursed.pk}/periksa/", ACCEPT)

    response = as_user("bendahara").post(
        f"/bantuan/{disbursed.pk}/refund/",
        {
            "refund-expected_status": "refund_due",
            "refund-refunded_on": f"20/01/{YEAR}",
            "refund-refund_proof": scan_upload("setoran.pdf"),
        },
    )

    assert response.status_code == 400
    disbursed.refresh_from_db()
    assert disbursed.status == Status.REFUND_DUE
    assert AccountabilityReport.objects.get().refunded_on is None


def test_asking_for_a_revision_needs_a_note_on_the_item(as_user, disbursed, submitted):
    report = submitted("0")
    client = as_user("verifikator")

    response = client.post(f"/lpj/{disbursed.pk}/periksa/", revise(kuitansi=""))

    assert response.status_code == 400
    assert field_error(response, "note_kuitansi") == [
        "Tulis apa yang harus diperbaiki pada Bukti pengeluaran (kuitansi)."
    ]
    report.refresh_from_db()
    assert report.status == LpjStatus.SUBMITTED

    client.post(f"/lpj/{disbursed.pk}/periksa/", REVISE)

    report.refresh_from_db()
    disbursed.refresh_from_db()
    assert report.status == LpjStatus.NEEDS_REVISION
    assert report.note.endswith(
        "Bukti pengeluaran (kuitansi): Kuitansi belanja tidak lengkap"
    )
    assert disbursed.status == Status.DISBURSED
    assert not disbursed.events.exists()


def test_an_accepted_lpj_cannot_be_reviewed_again(as_user, disbursed, submitted):
    submitted("0")
    client = as_user("verifikator")
    client.post(f"/lpj/{disbursed.pk}/periksa/", ACCEPT)

    # From the page seen before the acceptance, and as if seen after it.
    stale = client.post(f"/lpj/{disbursed.pk}/periksa/", REVISE)
    assert MSG_LPJ_STALE in messages_shown(client.get(stale.url))
    again = client.post(
        f"/lpj/{disbursed.pk}/periksa/", {**REVISE, "expected_status": "accepted"}
    )
    assert MSG_LPJ_NOT_PENDING in messages_shown(client.get(again.url))

    assert AccountabilityReport.objects.get().status == LpjStatus.ACCEPTED
    assert disbursed.events.count() == 1


def test_an_lpj_sent_back_is_not_reviewed_again_before_its_correction(
    as_user, disbursed, submitted
):
    submitted("0")
    client = as_user("verifikator")
    client.post(f"/lpj/{disbursed.pk}/periksa/", revise(kuitansi="Kuitansi kurang"))
    assert f'action="/lpj/{disbursed.pk}/periksa/"' not in page(
        client.get(f"/bantuan/{disbursed.pk}/")
    )

    stale = client.post(f"/lpj/{disbursed.pk}/periksa/", ACCEPT)
    assert MSG_LPJ_STALE in messages_shown(client.get(stale.url))
    again = client.post(
        f"/lpj/{disbursed.pk}/periksa/", {**ACCEPT, "expected_status": "needs_revision"}
    )
    assert MSG_LPJ_RETURNED in messages_shown(client.get(again.url))

    assert AccountabilityReport.objects.get().status == LpjStatus.NEEDS_REVISION
    disbursed.refresh_from_db()
    assert disbursed.status == Status.DISBURSED
    assert not disbursed.events.exists()


@pytest.mark.parametrize("finding", ["terima", None])
def test_a_review_with_an_item_left_unmarked_changes_nothing(
    as_user, disbursed, submitted, finding
):
    report = submitted("0")
    client = as_user("verifikator")
    data = {**ACCEPT, "item_foto": finding}
    if finding is None:
        del data["item_foto"]

    response = client.post(f"/lpj/{disbursed.pk}/periksa/", data)

    assert response.status_code == 400
    assert field_error(response, "item_foto") == [
        "Pilih Sesuai atau Perlu perbaikan untuk Foto kegiatan."
    ]
    report.refresh_from_db()
    disbursed.refresh_from_db()
    assert report.status == LpjStatus.SUBMITTED
    assert disbursed.status == Status.DISBURSED
    assert not disbursed.events.exists()
    assert not LpjItemReview.objects.exists()


# The LPJ list ---------------------------------------------------------------------


def listed(response) -> list[str]:
    return [
        html.unescape(name)
        for name in re.findall(
            r'<td><a href="/bantuan/\d+/">(.*?)</a><br>', response.content.decode()
        )
    ]


@pytest.fixture
def lpj_states(village):
    due_later = ProgramFactory(
        year=YEAR, lpj_due_date=datetime.date(YEAR + 1, 1, 10), name="Tahun ini"
    )
    overdue = ProgramFactory(
        year=YEAR - 2, lpj_due_date=datetime.date(YEAR - 1, 1, 10), name="Dulu"
    )

    def grant(name, program, status, report=None, refund=0):
        made = GrantFactory(
            program=program,
            institution=InstitutionFactory(name=name, village=village),
            status=status,
            decree_number="SK/1",
        )
        if report:
            AccountabilityReport.objects.create(
                grant=made,
                status=report,
                submitted_on=TODAY,
                amount_spent=made.amount - refund,
                refund_amount=refund,
            )

    grant("Belum Jatuh Tempo", due_later, Status.DISBURSED)
    grant("Sudah Terlambat", overdue, Status.DISBURSED)
    grant("Menunggu Diperiksa", overdue, Status.DISBURSED, LpjStatus.SUBMITTED)
    grant("Harus Diperbaiki", due_later, Status.DISBURSED, LpjStatus.NEEDS_REVISION)
    grant("Sudah Selesai", overdue, Status.CLOSED, LpjStatus.ACCEPTED)
    grant("Wajib Setor", due_later, Status.REFUND_DUE, LpjStatus.ACCEPTED, 1_000_000)
    grant("Belum Disalurkan", overdue, Status.APPROVED)


LPJ_STATES = [
    ("belum", {"Belum Jatuh Tempo"}),
    ("terlambat", {"Sudah Terlambat"}),
    ("diperiksa", {"Menunggu Diperiksa"}),
    ("perbaikan", {"Harus Diperbaiki"}),
    ("diterima", {"Sudah Selesai", "Wajib Setor"}),
    ("setor", {"Wajib Setor"}),
]


@pytest.mark.parametrize(
    ("state", "expected"), LPJ_STATES, ids=[s for s, _ in LPJ_STATES]
)
def test_each_lpj_state_filter_narrows_the_list(as_user, lpj_states, state, expected):
    response = as_user("operator").get(f"/lpj/?keadaan={state}")

    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(expected)


def test_the_lpj_list_shows_only_grants_that_were_paid(as_user, lpj_states):
    response = as_user("operator").get("/lpj/")

    assert sorted(listed(response)) == sorted(
        [
            "Belum Jatuh Tempo",
            "Sudah Terlambat",
            "Menunggu Diperiksa",
            "Harus Diperbaiki",
            "Sudah Selesai",
            "Wajib Setor",
        ]
    )
    late_row = page(response).split("Sudah Terlambat</a>", 1)[1].split("</tr>", 1)[0]
    assert "Terlambat</span>" in late_row


def test_an_lpj_sent_back_for_revision_is_corrected_and_reviewed_again(
    as_user, disbursed
):
    as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_data())
    as_user("verifikator").post(
        f"/lpj/{disbursed.pk}/periksa/", revise(kuitansi="Kuitansi belum lengkap")
    )
    operator = as_user("operator")
    form = page(operator.get(f"/lpj/{disbursed.pk}/catat/"))
    assert 'value="9.500.000"' in form  # the returned LPJ is prefilled
    response = operator.post(
        f"/lpj/{disbursed.pk}/catat/",
        lpj_data(spent="10.000.000", refund="0", kinds=["kuitansi"]),
    )
    assert response.status_code == 302
    report = AccountabilityReport.objects.get(grant=disbursed)
    assert report.status == LpjStatus.SUBMITTED
    assert (report.amount_spent, report.refund_amount) == (10_000_000, 0)
    assert "Kuitansi belum lengkap" in report.note
    as_user("verifikator").post(f"/lpj/{disbursed.pk}/periksa/", ACCEPT)
    disbursed.refresh_from_db()
    assert disbursed.status == Status.CLOSED


def test_a_review_read_before_a_correction_does_not_accept_the_corrected_lpj(
    as_user, disbursed
):
    as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_data())
    read = page(as_user("verifikator").get(f"/bantuan/{disbursed.pk}/"))
    version = re.search(r'name="expected_version" value="([^"]+)"', read).group(1)
    as_user("verifikator2").post(
        f"/lpj/{disbursed.pk}/periksa/", revise(kuitansi="Kuitansi kurang.")
    )
    as_user("operator").post(
        f"/lpj/{disbursed.pk}/catat/",
        lpj_data(spent="10.000.000", refund="0", kinds=["kuitansi"]),
    )
    report = AccountabilityReport.objects.get(grant=disbursed)
    assert report.status == AccountabilityReport.Status.SUBMITTED

    response = as_user("verifikator").post(
        f"/lpj/{disbursed.pk}/periksa/", {**ACCEPT, "expected_version": version}
    )

    assert MSG_LPJ_STALE in messages_shown(as_user("verifikator").get(response.url))
    report.refresh_from_db()
    assert report.status == AccountabilityReport.Status.SUBMITTED
    assert Grant.objects.get(pk=disbursed.pk).status == Grant.Status.DISBURSED
