"""Grant pages of the staff workspace: proposing, the workflow actions, bulk
actions and the list. Who may open which page is in test_access.py."""

import datetime
import html
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.money import rupiah
from grants.models import Grant, GrantEvent
from grants.services import (
    MSG_ALREADY_IN_PROGRAM,
    MSG_CEILING,
    MSG_DUPLICATE_TRANSFER,
    MSG_INACTIVE,
    MSG_KIND_NOT_ELIGIBLE,
    MSG_OVER_DISBURSED,
    MSG_OWN_PROPOSAL,
    MSG_PERMIT_INVALID,
    MSG_STALE,
    WARN_AIDED_LAST_YEAR,
)
from institutions.models import Regency, StaffProfile, Village
from tests.factories import (
    DisbursementFactory,
    GrantEventFactory,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)
from tests.web.pages import field_error, messages_shown, page

pytestmark = pytest.mark.django_db

Status = Grant.Status
TODAY = timezone.localdate()
YEAR = TODAY.year
# Decreed on New Year's day of the programme year, so a payment dated today is
# never before the decree nor in the future.
DECREE_DATE = datetime.date(YEAR, 1, 1)
REQUIRED = "Bidang ini tidak boleh kosong."
CHECK_INPUT = "Periksa kembali isian yang ditandai."
AMOUNT_INVALID = (
    "Tulis nilai dalam rupiah penuh, misalnya 10.000.000 atau Rp10.000.000."
)
AMOUNT_NOT_POSITIVE = "Nilai harus lebih dari nol."
ACCEPT_WARNINGS = "Centang untuk tetap mengusulkan meskipun ada peringatan."
BULK_DECREE_REQUIRED = "Nomor dan tanggal SK penetapan wajib diisi untuk persetujuan."
BONGO_NOL = "75.02.01.2004"
KAYUBULAN = "75.01.01.1001"
HARAPAN = "75.02.02.2001"


def action_forms(response) -> set[str]:
    """The workflow actions the grant page offers."""
    return set(
        re.findall(
            r'<form method="post" action="/bantuan/\d+/[a-z]+/" class="stacked" id="form-([a-z]+)"',
            response.content.decode(),
        )
    )


def state(grant: Grant) -> dict:
    """What a refused action must leave as it was."""
    grant.refresh_from_db()
    return {
        "status": grant.status,
        "amount": grant.amount,
        "purpose": grant.purpose,
        "decree_number": grant.decree_number,
        "decree_date": grant.decree_date,
        "checklist_results": grant.checklist_results,
        "events": list(grant.events.values_list("pk", flat=True)),
        "disbursements": list(grant.disbursements.values_list("pk", flat=True)),
    }


def village(code: str = BONGO_NOL) -> Village:
    return Village.objects.get(code=code)


def verify_data(status: str = "proposed", **extra) -> dict:
    return {
        "verify-expected_status": status,
        "verify-item_0": "on",
        "verify-item_1": "on",
        **extra,
    }


def approve_data(status: str = "verified", **extra) -> dict:
    return {
        "approve-expected_status": status,
        "approve-decree_number": f"188.44/KEP/210/{YEAR}",
        "approve-decree_date": DECREE_DATE.strftime("%d/%m/%Y"),
        **extra,
    }


def disburse_data(amount: str, reference: str = "TRF-0001", **extra) -> dict:
    return {
        "disburse-expected_status": "approved",
        "disburse-paid_on": TODAY.strftime("%d/%m/%Y"),
        "disburse-amount": amount,
        "disburse-transfer_reference": reference,
        **extra,
    }


@pytest.fixture
def users(db):
    return {
        "operator": UserFactory(
            username="operator", first_name="Rahmawati", role="Operator"
        ),
        "verifikator": UserFactory(
            username="verifikator", first_name="Yusuf", role="Verifikator"
        ),
        "verifikator2": UserFactory(
            username="verifikator2", first_name="Fadli", role="Verifikator"
        ),
        "pimpinan": UserFactory(
            username="pimpinan", first_name="Hamzah", role="Pimpinan"
        ),
        "bendahara": UserFactory(
            username="bendahara", first_name="Sri", role="Bendahara"
        ),
        "pengamat": UserFactory(
            username="pengamat", first_name="Nani", role="Pengamat"
        ),
    }


@pytest.fixture
def as_user(client, users):
    def login(who: str):
        client.force_login(users[who])
        return client

    return login


@pytest.fixture
def program(regions):
    return ProgramFactory(
        year=YEAR,
        name="Hibah Lembaga Sosial",
        budget_ceiling=100_000_000,
        checklist=["Proposal", "KTP ketua"],
    )


@pytest.fixture
def institution(regions):
    return InstitutionFactory(name="Majelis Taklim Al Ikhlas", village=village())


def paid_ready(grant: Grant) -> dict:
    """What a payment needs on record: the decree, the NPHD, the verified account."""
    institution = grant.institution
    return {
        "decree_number": "SK/1",
        "decree_date": DECREE_DATE,
        "nphd_number": "NPHD/1",
        "nphd_date": DECREE_DATE,
        "verified_bank_name": institution.bank_name,
        "verified_account_number": institution.account_number,
        "verified_account_holder": institution.account_holder,
    }


@pytest.fixture
def grant(program, institution, users):
    return GrantFactory(
        program=program, institution=institution, proposed_by=users["operator"]
    )


# Proposing --------------------------------------------------------------------


def propose(client, institution, program, amount="10.000.000", **extra):
    data = {
        "lembaga": institution.pk,
        "program": program.pk,
        "amount": amount,
        "purpose": "Pengadaan perlengkapan pengajian",
        **extra,
    }
    return client.post(f"/bantuan/usul/?lembaga={institution.pk}", data)


NPHD_PDF = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def test_a_grant_goes_from_proposal_to_disbursement_through_four_people(
    as_user, users, program, institution
):
    client = as_user("operator")
    form_page = client.get(f"/bantuan/usul/?lembaga={institution.pk}")
    assert form_page.status_code == 200
    assert "Majelis Taklim Al Ikhlas" in page(form_page)

    response = propose(client, institution, program)

    grant = Grant.objects.get()
    assert response.status_code == 302
    assert response.url == f"/bantuan/{grant.pk}/"
    assert (grant.status, grant.amount, grant.proposed_by) == (
        Status.PROPOSED,
        10_000_000,
        users["operator"],
    )

    client = as_user("verifikator")
    assert client.post(f"/bantuan/{grant.pk}/verify/", verify_data()).status_code == 302
    client = as_user("pimpinan")
    assert (
        client.post(f"/bantuan/{grant.pk}/approve/", approve_data()).status_code == 302
    )
    # A hibah is paid only on its signed agreement, recorded by the operator.
    client = as_user("operator")
    nphd = {
        "nphd-expected_status": "approved",
        "nphd-number": f"NPHD/17/{YEAR}",
        "nphd-date": DECREE_DATE.strftime("%d/%m/%Y"),
        "nphd-scan": SimpleUploadedFile("nphd.pdf", NPHD_PDF),
    }
    assert client.post(f"/bantuan/{grant.pk}/nphd/", nphd).status_code == 302
    client = as_user("bendahara")
    response = client.post(
        f"/bantuan/{grant.pk}/disburse/", disburse_data("10.000.000")
    )
    assert response.status_code == 302

    grant.refresh_from_db()
    assert grant.status == Status.DISBURSED
    assert grant.decree_number == f"188.44/KEP/210/{YEAR}"
    assert grant.decree_date == DECREE_DATE
    assert (grant.nphd_number, grant.nphd_date) == (f"NPHD/17/{YEAR}", DECREE_DATE)
    assert grant.checklist_results == {
        "Proposal": {"ok": True, "note": ""},
        "KTP ketua": {"ok": True, "note": ""},
    }
    disbursement = grant.disbursements.get()
    assert (disbursement.paid_on, disbursement.amount, disbursement.recorded_by) == (
        TODAY,
        10_000_000,
        users["bendahara"],
    )
    assert list(
        grant.events.order_by("pk").values_list(
            "kind", "from_status", "to_status", "actor__username"
        )
    ) == [
        ("status", "", "proposed", "operator"),
        ("status", "proposed", "verified", "verifikator"),
        ("status", "verified", "approved", "pimpinan"),
        ("nphd", "approved", "approved", "operator"),
        ("status", "approved", "disbursed", "bendahara"),
    ]
    timeline = page(client.get(f"/bantuan/{grant.pk}/")).split('id="timeline"')[1]
    for name in ("Rahmawati", "Yusuf", "Hamzah", "Sri"):
        assert name in timeline


@pytest.mark.parametrize(
    "typed",
    ["10.000.000", "Rp10.000.000", "Rp 10.000.000", "10000000", "rp 10.000.000,00"],
)
def test_a_proposal_reads_the_amount_the_way_staff_type_it(
    as_user, program, institution, typed
):
    response = propose(as_user("operator"), institution, program, amount=typed)

    assert response.status_code == 302
    assert Grant.objects.get().amount == 10_000_000


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", AMOUNT_INVALID),
        ("0", AMOUNT_NOT_POSITIVE),
        ("-5", AMOUNT_INVALID),
        ("10,5 juta", AMOUNT_INVALID),
        ("", REQUIRED),
    ],
)
def test_a_bad_amount_is_refused_and_kept_for_correction(
    as_user, program, institution, typed, message
):
    response = propose(as_user("operator"), institution, program, amount=typed)

    assert response.status_code == 400
    assert field_error(response, "amount") == [message]
    assert f'name="amount" value="{typed}"' in page(response) or not typed
    assert "Pengadaan perlengkapan pengajian</textarea>" in page(response)
    assert not Grant.objects.exists()


def _lksa_with_expired_permit():
    return InstitutionFactory(
        lksa=True,
        village=village(),
        permit_expires_on=datetime.date.today() - datetime.timedelta(days=1),
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda program: InstitutionFactory(lksa=True, village=village()),
            MSG_KIND_NOT_ELIGIBLE % {"kind": "LKSA"},
            id="kind-not-covered",
        ),
        pytest.param(
            lambda program: InstitutionFactory(active=False, village=village()),
            MSG_INACTIVE,
            id="inactive",
        ),
        pytest.param(
            lambda program: (
                GrantFactory(
                    program=program, institution__village=village()
                ).institution
            ),
            MSG_ALREADY_IN_PROGRAM,
            id="already-in-programme",
        ),
        pytest.param(
            lambda program: _lksa_with_expired_permit(),
            MSG_PERMIT_INVALID,
            id="lksa-permit-expired",
        ),
    ],
)
def test_an_ineligible_proposal_shows_why_and_creates_nothing(
    as_user, regions, make, message
):
    program = ProgramFactory(
        year=YEAR, covers_lksa=message != MSG_KIND_NOT_ELIGIBLE % {"kind": "LKSA"}
    )
    institution = make(program)
    grants_before = Grant.objects.count()

    response = propose(as_user("operator"), institution, program)

    assert response.status_code == 400
    assert message in field_error(response, "program")
    assert Grant.objects.count() == grants_before
    assert not GrantEvent.objects.exists()


@pytest.fixture
def aided_last_year(institution):
    GrantFactory(
        program=ProgramFactory(year=YEAR - 1),
        institution=institution,
        status=Status.CLOSED,
        decree_number="SK/LALU/1",
    )


def test_a_warning_must_be_accepted_before_the_proposal_is_recorded(
    as_user, program, institution, aided_last_year
):
    warning = WARN_AIDED_LAST_YEAR % {"year": YEAR - 1}
    client = as_user("operator")
    grants_before = Grant.objects.count()

    first = propose(client, institution, program)

    assert first.status_code == 400
    assert warning in page(first).split("Peringatan", 1)[1]
    assert field_error(first, "accept_warnings") == [ACCEPT_WARNINGS]
    assert Grant.objects.count() == grants_before

    second = propose(client, institution, program, accept_warnings="on")

    assert second.status_code == 302
    assert Grant.objects.get(program=program).status == Status.PROPOSED


def test_a_proposal_without_warnings_needs_no_confirmation(
    as_user, program, institution
):
    response = as_user("operator").get(f"/bantuan/usul/?lembaga={institution.pk}")

    assert 'name="accept_warnings"' not in page(response)
    assert propose(as_user("operator"), institution, program).status_code == 302


# What the grant page offers ---------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "offered"),
    [
        ("verifikator", Status.PROPOSED, {"verify", "return", "reject"}),
        ("pimpinan", Status.PROPOSED, {"return", "reject"}),
        ("pimpinan", Status.VERIFIED, {"approve", "return", "reject"}),
        ("verifikator", Status.VERIFIED, {"return", "reject"}),
        ("bendahara", Status.APPROVED, {"disburse"}),
        ("verifikator", Status.APPROVED, set()),
        ("operator", Status.NEEDS_REVISION, {"resubmit"}),
        ("operator", Status.PROPOSED, set()),
        ("pengamat", Status.PROPOSED, set()),
        ("bendahara", Status.REFUND_DUE, {"refund"}),
    ],
)
def test_the_grant_page_offers_only_the_actions_the_user_may_take_now(
    as_user, grant, who, status, offered
):
    # Everything a payment needs is on record, so only role and status decide.
    Grant.objects.filter(pk=grant.pk).update(status=status, **paid_ready(grant))

    response = as_user(who).get(f"/bantuan/{grant.pk}/")

    assert response.status_code == 200
    assert action_forms(response) == offered


@pytest.fixture
def operator_verifier(users):
    user = users["operator"]
    user.groups.add(Group.objects.get(name="Verifikator"))
    return user


def test_a_proposer_who_also_verifies_is_not_offered_their_own_proposal(
    as_user, users, grant, operator_verifier
):
    response = as_user("operator").get(f"/bantuan/{grant.pk}/")

    assert action_forms(response) == set()
    blocked = page(response).split('id="blocked-actions"', 1)[1]
    for label in ("Verifikasi", "Kembalikan untuk perbaikan", "Tolak usulan"):
        assert f"<strong>{label}</strong>: {MSG_OWN_PROPOSAL}" in blocked
    other = GrantFactory(
        program=grant.program,
        institution__village=village(),
        proposed_by=users["verifikator2"],
    )
    assert action_forms(as_user("operator").get(f"/bantuan/{other.pk}/")) == {
        "verify",
        "return",
        "reject",
    }


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("verify", verify_data()),
        ("return", {"return-expected_status": "proposed", "return-note": "Kurang"}),
        ("reject", {"reject-expected_status": "proposed", "reject-note": "Ganda"}),
    ],
)
def test_a_proposer_who_also_verifies_cannot_check_their_own_proposal_by_posting(
    as_user, grant, operator_verifier, action, data
):
    before = state(grant)

    response = as_user("operator").post(f"/bantuan/{grant.pk}/{action}/", data)

    assert response.status_code == 403
    assert state(grant) == before


@pytest.mark.parametrize("url", ["/bantuan/{grant}/", "/lembaga/{institution}/"])
def test_a_grant_event_without_an_actor_is_shown_as_the_systems(
    as_user, program, institution, url
):
    grant = GrantFactory(program=program, institution=institution, proposed_by=None)
    GrantEventFactory(grant=grant, to_status=Status.PROPOSED, actor=None)

    response = as_user("pengamat").get(
        url.format(grant=grant.pk, institution=institution.pk)
    )

    assert response.status_code == 200
    assert "sistem" in page(response)


# Refused actions change nothing -----------------------------------------------


def test_verifying_with_a_document_unjudged_names_it_and_changes_nothing(
    as_user, grant
):
    before = state(grant)
    data = verify_data()
    del data["verify-item_1"]

    response = as_user("verifikator").post(f"/bantuan/{grant.pk}/verify/", data)

    assert response.status_code == 400
    assert (
        "Dokumen belum lengkap: KTP ketua. Kembalikan usulan bila perlu perbaikan."
        in page(response)
    )
    assert state(grant) == before
    # The form comes back with what was chosen, and the error at the item.
    assert re.search(
        r'<input type="radio" name="verify-item_0" value="on"[^>]*checked',
        page(response),
    )
    assert 'id="id_verify-item_1_error">Pilih hasil pemeriksaan dokumen ini.' in (
        page(response)
    )


def test_approving_over_the_ceiling_shows_the_room_left_and_changes_nothing(
    as_user, program, grant
):
    program.budget_ceiling = 25_000_000
    program.save()
    GrantFactory(
        program=program,
        approved=True,
        amount=20_000_000,
        institution__village=village(),
    )
    Grant.objects.filter(pk=grant.pk).update(status=Status.VERIFIED)
    before = state(grant)

    response = as_user("pimpinan").post(f"/bantuan/{grant.pk}/approve/", approve_data())

    assert response.status_code == 409
    assert MSG_CEILING % {"room": "Rp5.000.000", "amount": "Rp10.000.000"} in (
        messages_shown(response)
    )
    assert state(grant) == before


def test_a_form_made_stale_by_another_verifier_changes_nothing(as_user, grant):
    seen = as_user("verifikator").get(f"/bantuan/{grant.pk}/")
    assert 'name="verify-expected_status" value="proposed"' in page(seen)
    as_user("verifikator2").post(f"/bantuan/{grant.pk}/verify/", verify_data())
    before = state(grant)
    assert before["status"] == Status.VERIFIED

    response = as_user("verifikator").post(
        f"/bantuan/{grant.pk}/verify/", verify_data(**{"verify-note": "Lengkap"})
    )

    assert response.status_code == 302
    assert response.url == f"/bantuan/{grant.pk}/"
    assert MSG_STALE in messages_shown(as_user("verifikator").get(response.url))
    assert state(grant) == before


def test_a_stale_approval_after_a_return_changes_nothing(as_user, grant):
    Grant.objects.filter(pk=grant.pk).update(status=Status.NEEDS_REVISION)
    before = state(grant)

    response = as_user("pimpinan").post(f"/bantuan/{grant.pk}/approve/", approve_data())

    assert response.status_code == 302
    assert MSG_STALE in messages_shown(as_user("pimpinan").get(response.url))
    assert state(grant) == before


@pytest.mark.parametrize(
    "action",
    ["verify", "return", "reject", "resubmit", "approve", "disburse", "refund"],
)
def test_an_action_url_only_answers_post(as_user, grant, action):
    before = state(grant)

    response = as_user("pimpinan").get(f"/bantuan/{grant.pk}/{action}/")

    assert response.status_code == 405
    assert state(grant) == before


def test_an_unknown_action_is_not_found(as_user, grant):
    assert as_user("pimpinan").post(f"/bantuan/{grant.pk}/hapus/").status_code == 404


@pytest.mark.parametrize(
    ("date", "stored"),
    [(f"13/02/{YEAR}", datetime.date(YEAR, 2, 13)), (f"02/13/{YEAR}", None)],
)
def test_the_decree_date_is_read_day_first(as_user, grant, date, stored):
    Grant.objects.filter(pk=grant.pk).update(status=Status.VERIFIED)

    as_user("pimpinan").post(
        f"/bantuan/{grant.pk}/approve/",
        approve_data(**{"approve-decree_date": date}),
    )

    grant.refresh_from_db()
    assert grant.decree_date == stored


# Disbursing -------------------------------------------------------------------


@pytest.fixture
def approved(grant):
    Grant.objects.filter(pk=grant.pk).update(
        status=Status.APPROVED, **paid_ready(grant)
    )
    grant.refresh_from_db()
    return grant


def test_a_partial_disbursement_keeps_the_grant_approved_and_offers_the_rest(
    as_user, approved
):
    client = as_user("bendahara")

    response = client.post(
        f"/bantuan/{approved.pk}/disburse/", disburse_data("4.000.000")
    )

    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED
    detail = client.get(f"/bantuan/{approved.pk}/")
    assert action_forms(detail) == {"disburse"}
    assert 'name="disburse-amount" value="6.000.000"' in page(detail)
    assert "<dt>Disalurkan</dt><dd>Rp4.000.000</dd>" in page(detail)

    client.post(
        f"/bantuan/{approved.pk}/disburse/", disburse_data("Rp6.000.000", "TRF-0002")
    )

    approved.refresh_from_db()
    assert approved.status == Status.DISBURSED
    assert [d.amount for d in approved.disbursements.all()] == [4_000_000, 6_000_000]
    assert approved.events.get().to_status == Status.DISBURSED


def test_disbursing_more_than_is_left_is_refused(as_user, approved):
    client = as_user("bendahara")
    client.post(f"/bantuan/{approved.pk}/disburse/", disburse_data("4.000.000"))
    before = state(approved)

    response = client.post(
        f"/bantuan/{approved.pk}/disburse/", disburse_data("7.000.000", "TRF-0002")
    )

    assert response.status_code == 409
    assert MSG_OVER_DISBURSED % {"room": "Rp6.000.000"} in messages_shown(response)
    assert state(approved) == before


def test_a_transfer_reference_used_before_is_refused(as_user, approved):
    DisbursementFactory(transfer_reference="TRF-0001")
    before = state(approved)

    response = as_user("bendahara").post(
        f"/bantuan/{approved.pk}/disburse/", disburse_data("10.000.000", "TRF-0001")
    )

    assert response.status_code == 409
    assert MSG_DUPLICATE_TRANSFER in messages_shown(response)
    assert state(approved) == before


# Returning, resubmitting, rejecting -------------------------------------------


def test_a_return_needs_a_note_and_a_resubmission_goes_back_to_proposed(as_user, grant):
    client = as_user("verifikator")
    before = state(grant)

    refused = client.post(
        f"/bantuan/{grant.pk}/return/",
        {"return-expected_status": "proposed", "return-note": "  "},
    )

    assert refused.status_code == 400
    assert field_error(refused, "return-note") == [REQUIRED]
    assert state(grant) == before

    client.post(
        f"/bantuan/{grant.pk}/return/",
        {"return-expected_status": "proposed", "return-note": "KTP ketua kabur"},
    )
    grant.refresh_from_db()
    assert grant.status == Status.NEEDS_REVISION

    client = as_user("operator")
    detail = client.get(f"/bantuan/{grant.pk}/")
    assert 'name="resubmit-amount" value="10.000.000"' in page(detail)
    assert "KTP ketua kabur" in page(detail)
    response = client.post(
        f"/bantuan/{grant.pk}/resubmit/",
        {
            "resubmit-expected_status": "needs_revision",
            "resubmit-amount": "Rp 7.500.000",
            "resubmit-purpose": "Perlengkapan pengajian, dikurangi",
            "resubmit-note": "KTP ketua dipindai ulang",
        },
    )

    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.amount, grant.purpose) == (
        Status.PROPOSED,
        7_500_000,
        "Perlengkapan pengajian, dikurangi",
    )
    assert list(
        grant.events.order_by("pk").values_list("to_status", "note", "actor__username")
    ) == [
        ("needs_revision", "KTP ketua kabur", "verifikator"),
        ("proposed", "KTP ketua dipindai ulang", "operator"),
    ]


def test_a_resubmission_needs_a_note(as_user, grant):
    Grant.objects.filter(pk=grant.pk).update(status=Status.NEEDS_REVISION)
    before = state(grant)

    response = as_user("operator").post(
        f"/bantuan/{grant.pk}/resubmit/",
        {"resubmit-expected_status": "needs_revision", "resubmit-amount": "5.000.000"},
    )

    assert response.status_code == 400
    assert field_error(response, "resubmit-note") == [REQUIRED]
    assert 'name="resubmit-amount" value="5.000.000"' in page(response)
    assert state(grant) == before


def test_a_rejection_needs_a_reason(as_user, grant):
    client = as_user("verifikator")
    before = state(grant)

    refused = client.post(
        f"/bantuan/{grant.pk}/reject/", {"reject-expected_status": "proposed"}
    )

    assert refused.status_code == 400
    assert field_error(refused, "reject-note") == [REQUIRED]
    assert state(grant) == before

    client.post(
        f"/bantuan/{grant.pk}/reject/",
        {"reject-expected_status": "proposed", "reject-note": "Lembaga fiktif"},
    )

    grant.refresh_from_db()
    assert grant.status == Status.REJECTED
    assert grant.events.get().note == "Lembaga fiktif"
    assert action_forms(client.get(f"/bantuan/{grant.pk}/")) == set()


# Bulk actions -------------------------------------------------------------------


def _grant(program, name: str, **kwargs) -> Grant:
    return GrantFactory(
        program=program,
        institution=InstitutionFactory(name=name, village=village()),
        **kwargs,
    )


def test_bulk_verification_verifies_each_grant_and_reports_each_failure(
    as_user, users, program
):
    first = _grant(program, "Majelis Taklim Satu", proposed_by=users["operator"])
    second = _grant(program, "Majelis Taklim Dua", proposed_by=users["operator"])
    own = _grant(program, "Majelis Taklim Tiga", proposed_by=users["verifikator"])
    done = _grant(program, "Majelis Taklim Empat", verified=True)
    client = as_user("verifikator")

    response = client.post(
        "/bantuan/massal/",
        {
            "action": "verify",
            "grants": [first.pk, own.pk, done.pk, second.pk],
            "next": "/bantuan/?status=proposed",
        },
    )

    assert response.status_code == 302
    assert response.url == "/bantuan/?status=proposed"
    shown = messages_shown(client.get(response.url))
    assert sorted(shown) == sorted(
        [
            "Majelis Taklim Satu: Bantuan diverifikasi.",
            "Majelis Taklim Dua: Bantuan diverifikasi.",
            f"Majelis Taklim Tiga: {MSG_OWN_PROPOSAL}",
            f"Majelis Taklim Empat: {MSG_STALE}",
            "2 dari 4 bantuan berhasil diproses.",
        ]
    )
    statuses = dict(Grant.objects.values_list("institution__name", "status"))
    assert statuses == {
        "Majelis Taklim Satu": Status.VERIFIED,
        "Majelis Taklim Dua": Status.VERIFIED,
        "Majelis Taklim Tiga": Status.PROPOSED,
        "Majelis Taklim Empat": Status.VERIFIED,
    }
    assert GrantEvent.objects.filter(actor=users["verifikator"]).count() == 2
    assert first.events.get().note == "Verifikasi massal."


def test_bulk_approval_needs_the_decree(as_user, program):
    grant = _grant(program, "Majelis Taklim Satu", verified=True)
    client = as_user("pimpinan")

    response = client.post(
        "/bantuan/massal/",
        {"action": "approve", "grants": [grant.pk], "decree_number": "SK/9"},
    )

    assert BULK_DECREE_REQUIRED in messages_shown(client.get(response.url))
    grant.refresh_from_db()
    assert grant.status == Status.VERIFIED


def test_bulk_approval_stops_at_the_ceiling_grant_by_grant(as_user, program):
    program.budget_ceiling = 25_000_000
    program.save()
    grants = [
        _grant(program, f"Majelis Taklim {name}", verified=True)
        for name in ("Satu", "Dua", "Tiga")
    ]
    client = as_user("pimpinan")

    response = client.post(
        "/bantuan/massal/",
        {
            "action": "approve",
            "grants": [g.pk for g in grants],
            "decree_number": f"188.44/KEP/300/{YEAR}",
            "decree_date": f"01/04/{YEAR}",
        },
    )

    shown = messages_shown(client.get(response.url))
    approved = Grant.objects.filter(status=Status.APPROVED)
    left = Grant.objects.get(status=Status.VERIFIED)
    assert approved.count() == 2
    assert set(approved.values_list("decree_number", "decree_date")) == {
        (f"188.44/KEP/300/{YEAR}", datetime.date(YEAR, 4, 1))
    }
    ceiling = MSG_CEILING % {"room": "Rp5.000.000", "amount": "Rp10.000.000"}
    assert f"{left.institution.name}: {ceiling}" in shown
    assert "2 dari 3 bantuan berhasil diproses." in shown


@pytest.mark.parametrize(
    ("who", "action"),
    [("pengamat", "verify"), ("pengamat", "approve"), ("bendahara", "verify")],
)
def test_a_user_without_the_role_cannot_run_a_bulk_action(
    as_user, program, who, action
):
    grant = _grant(program, "Majelis Taklim Satu")
    before = state(grant)

    response = as_user(who).post(
        "/bantuan/massal/",
        {
            "action": action,
            "grants": [grant.pk],
            "decree_number": "SK/1",
            "decree_date": f"01/04/{YEAR}",
        },
    )

    assert response.status_code == 403
    assert state(grant) == before


def test_the_bulk_form_is_offered_only_with_the_actions_the_user_has(as_user, grant):
    verifier_page = page(as_user("verifikator").get("/bantuan/"))
    approver_page = page(as_user("pimpinan").get("/bantuan/"))
    observer_page = page(as_user("pengamat").get("/bantuan/"))

    assert '<option value="verify">' in verifier_page
    assert '<option value="approve">' not in verifier_page
    assert '<option value="approve">' in approver_page
    assert 'name="decree_number"' in approver_page
    assert 'name="grants"' not in observer_page


# The list -------------------------------------------------------------------------


def listed(response) -> list[str]:
    return [
        html.unescape(name)
        for name in re.findall(
            r'<td><a href="/bantuan/\d+/">(.*?)</a></td>', response.content.decode()
        )
    ]


@pytest.fixture
def grant_list(regions):
    last_year = ProgramFactory(year=YEAR - 1, name="Hibah Lembaga")
    this_year = ProgramFactory(year=YEAR, name="Hibah Lembaga")
    bansos = ProgramFactory(year=YEAR, name="Bansos Lembaga")
    rows = [
        (last_year, "Majelis Taklim Al Ikhlas", {}, BONGO_NOL, {"disbursed": True}),
        (this_year, "Karang Taruna Harapan", {"karang_taruna": True}, HARAPAN, {}),
        (this_year, "LKSA Kasih Ibu", {"lksa": True}, KAYUBULAN, {"verified": True}),
        (
            bansos,
            "Rukun Duka Sejahtera",
            {"registration_number": "460/REG/9/2023"},
            KAYUBULAN,
            {"approved": True},
        ),
        (bansos, "Paguyuban Bongo", {}, BONGO_NOL, {"rejected": True}),
    ]
    for program, name, institution, code, grant in rows:
        GrantFactory(
            program=program,
            institution=InstitutionFactory(
                name=name, village=village(code), **institution
            ),
            **grant,
        )
    return {"this_year": this_year.pk, "bansos": bansos.pk}


GRANT_FILTERS = [
    ("tahun={last}", {"Majelis Taklim Al Ikhlas"}),
    (
        "tahun={this}",
        {
            "Karang Taruna Harapan",
            "LKSA Kasih Ibu",
            "Rukun Duka Sejahtera",
            "Paguyuban Bongo",
        },
    ),
    ("program={this_year}", {"Karang Taruna Harapan", "LKSA Kasih Ibu"}),
    ("status=proposed&status=verified", {"Karang Taruna Harapan", "LKSA Kasih Ibu"}),
    ("status=rejected", {"Paguyuban Bongo"}),
    ("jenis=lksa", {"LKSA Kasih Ibu"}),
    ("jenis=karang_taruna", {"Karang Taruna Harapan"}),
    ("kabupaten=75.01", {"LKSA Kasih Ibu", "Rukun Duka Sejahtera"}),
    ("q=al+ikhlas", {"Majelis Taklim Al Ikhlas"}),
    ("q=460/REG/9", {"Rukun Duka Sejahtera"}),
    ("tahun={this}&jenis=wksbm", {"Rukun Duka Sejahtera", "Paguyuban Bongo"}),
    ("program={bansos}&kabupaten=75.02", {"Paguyuban Bongo"}),
]


@pytest.mark.parametrize(
    ("query", "expected"), GRANT_FILTERS, ids=[q for q, _ in GRANT_FILTERS]
)
def test_each_grant_list_filter_narrows_the_grants_shown(
    as_user, grant_list, query, expected
):
    url = "/bantuan/?" + query.format(last=YEAR - 1, this=YEAR, **grant_list)

    response = as_user("pengamat").get(url)

    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(expected)


def test_the_unfiltered_grant_list_shows_every_grant(as_user, grant_list):
    assert len(listed(as_user("pengamat").get("/bantuan/"))) == 5


def _add_grants(program, count: int) -> None:
    villages = list(Village.objects.filter(district__regency_id="75.02")[:10])
    start = Grant.objects.count()
    for number in range(start, start + count):
        GrantFactory(
            program=program,
            institution=InstitutionFactory(
                name=f"Lembaga Hitung {number:03d}", village=villages[number % 10]
            ),
            status=[Status.PROPOSED, Status.VERIFIED][number % 2],
        )


def _grant_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/bantuan/?urut=status")
    assert response.status_code == 200
    return len(queries)


def test_the_grant_list_needs_the_same_few_queries_for_5_or_40_grants(
    as_user, regions, program
):
    client = as_user("pimpinan")
    _add_grants(program, 5)
    few = _grant_list_queries(client)
    _add_grants(program, 35)
    many = _grant_list_queries(client)

    assert len(listed(client.get("/bantuan/"))) == 40
    assert few == many
    assert many <= 12


def test_a_regency_limited_user_sees_and_acts_on_grants_of_their_area_only(
    client, grant_list
):
    user = UserFactory(role="Verifikator")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )
    client.force_login(user)
    outside = Grant.objects.get(institution__name="Karang Taruna Harapan")

    assert sorted(listed(client.get("/bantuan/"))) == [
        "LKSA Kasih Ibu",
        "Rukun Duka Sejahtera",
    ]
    assert client.get(f"/bantuan/{outside.pk}/").status_code == 404
    response = client.post(
        "/bantuan/massal/", {"action": "verify", "grants": [outside.pk]}
    )
    outside.refresh_from_db()
    assert outside.status == Status.PROPOSED
    assert response.status_code == 302


def test_money_on_the_grant_page_is_written_the_official_way(as_user, grant):
    Grant.objects.filter(pk=grant.pk).update(amount=12_345_000)

    detail = page(as_user("pengamat").get(f"/bantuan/{grant.pk}/"))

    assert f"<dt>Nilai bantuan</dt><dd>{rupiah(12_345_000)}</dd>" in detail
    assert rupiah(12_345_000) == "Rp12.345.000"


def test_the_lpj_section_appears_once_the_grant_is_disbursed(as_user, approved):
    assert "Catat LPJ" not in page(as_user("operator").get(f"/bantuan/{approved.pk}/"))
    as_user("bendahara").post(
        f"/bantuan/{approved.pk}/disburse/", disburse_data("10.000.000")
    )

    detail = page(as_user("operator").get(f"/bantuan/{approved.pk}/"))

    assert f'href="/lpj/{approved.pk}/catat/"' in detail
    assert "Belum diserahkan; batas 10/01/" in detail


@pytest.mark.parametrize(
    "target", ["https://contoh-jahat.example/", "//contoh-jahat.example/x"]
)
def test_bulk_actions_never_redirect_to_another_site(client, regions, target):
    client.force_login(UserFactory(username="verif_bulk", role="Verifikator"))
    response = client.post(
        "/bantuan/massal/", {"action": "verify", "grants": [], "next": target}
    )
    assert response.status_code == 302
    assert response.url == "/bantuan/"


def test_a_form_read_before_a_return_and_resubmission_changes_nothing(as_user, grant):
    # The status on the old page is "proposed" again, but not the same proposal.
    seen = as_user("verifikator").get(f"/bantuan/{grant.pk}/")
    version = re.search(
        r'name="verify-expected_version" value="([^"]+)"', page(seen)
    ).group(1)
    assert version == Grant.objects.get(pk=grant.pk).version
    reason = {
        "return-expected_status": "proposed",
        "return-note": "Nilai terlalu besar.",
    }
    as_user("verifikator2").post(f"/bantuan/{grant.pk}/return/", reason)
    as_user("operator").post(
        f"/bantuan/{grant.pk}/resubmit/",
        {
            "resubmit-expected_status": "needs_revision",
            "resubmit-amount": "25.000.000",
            "resubmit-note": "Nilai dinaikkan.",
        },
    )
    before = state(grant)
    assert (before["status"], before["amount"]) == (Status.PROPOSED, 25_000_000)

    response = as_user("verifikator").post(
        f"/bantuan/{grant.pk}/verify/",
        verify_data(**{"verify-expected_version": version}),
    )

    assert response.status_code == 302
    assert MSG_STALE in messages_shown(as_user("verifikator").get(response.url))
    assert state(grant) == before
