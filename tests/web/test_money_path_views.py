"""The controls around money, through the pages where staff meet them.

Separation of duties, the account a grant is paid to and its changes, the
NPHD, revision after approval, programme ceilings and closing, and the dates
of decrees and payments. Each refusal is read, in Indonesian, on the page
where the user acted, and leaves the records as they were. Who may open which
page at all is in test_access.py; the rules themselves in tests/grants/.
"""

import datetime
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.utils import timezone

from grants.models import (
    AccountabilityReport,
    Disbursement,
    Grant,
    GrantEvent,
    Program,
)
from grants.services import (
    MSG_BANK_CHANGED,
    MSG_CEILING_BELOW_COMMITTED,
    MSG_DECREE_BEFORE_YEAR,
    MSG_NPHD_BEFORE_DECREE,
    MSG_NPHD_REQUIRED,
    MSG_OWN_APPROVAL,
    MSG_OWN_BANK_CHANGE,
    MSG_OWN_CHANGE,
    MSG_OWN_PROPOSAL,
    MSG_OWN_VERIFICATION,
    MSG_PAID_BEFORE_DECREE,
    MSG_PAID_IN_FUTURE,
    MSG_PROGRAM_YEAR_LOCKED,
    MSG_REVISION_AFTER_PAYMENT,
    MSG_REVISION_CHANGES_NOTHING,
)
from institutions.models import (
    Institution,
    InstitutionChange,
    Regency,
    StaffProfile,
    Village,
)
from tests.factories import (
    DisbursementFactory,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
    scan_upload,
)
from tests.web.pages import field_error, messages_shown, page

pytestmark = pytest.mark.django_db

Status = Grant.Status
TODAY = timezone.localdate()
YEAR = TODAY.year
# Decreed on New Year's day, so a payment dated today is never before it.
DECREE_DATE = datetime.date(YEAR, 1, 1)
BONGO_NOL = "75.02.01.2004"
REQUIRED = "Bidang ini tidak boleh kosong."
NOT_TAKING_PROPOSALS = (
    "Program ini tidak menerima usulan: sudah ditutup, atau bukan program "
    "tahun ini atau tahun depan."
)


def day(date: datetime.date) -> str:
    return date.strftime("%d/%m/%Y")


def action_forms(response) -> set[str]:
    """The workflow actions the grant page offers."""
    return set(re.findall(r'id="form-([a-z_]+)"', response.content.decode()))


def blocked(response) -> dict[str, str]:
    """Action label -> the reasons the page gives for not offering it."""
    content = page(response)
    if 'id="blocked-actions"' not in content:
        return {}
    section = content.split('id="blocked-actions"', 1)[1].split("</div>", 1)[0]
    return dict(re.findall(r"<li><strong>([^<]+)</strong>: ([^<]*)</li>", section))


def section(response, element_id: str) -> str:
    """The text of the element with this id, up to its closing tag."""
    content = page(response)
    assert f'id="{element_id}"' in content, element_id
    after = content.split(f'id="{element_id}"', 1)[1]
    return re.sub(r"<[^>]+>", " ", after.split("</dl>", 1)[0].split("</p>", 1)[0])


def state(grant: Grant) -> dict:
    """What a refused action must leave as it was."""
    grant.refresh_from_db()
    return {
        "status": grant.status,
        "amount": grant.amount,
        "decree": (grant.decree_number, grant.decree_date),
        "nphd": (grant.nphd_number, grant.nphd_date),
        "account": grant.verified_account,
        "checked_by": (grant.verified_by_id, grant.approved_by_id),
        "events": grant.events.count(),
        "disbursements": grant.disbursements.count(),
    }


@pytest.fixture
def users(db):
    def make(username, first_name, *roles):
        user = UserFactory(username=username, first_name=first_name, role=roles[0])
        for role in roles[1:]:
            user.groups.add(Group.objects.get(name=role))
        return user

    return {
        "operator": make("operator", "Rahmawati", "Operator"),
        "verifikator": make("verifikator", "Yusuf", "Verifikator"),
        "pimpinan": make("pimpinan", "Hamzah", "Pimpinan"),
        "bendahara": make("bendahara", "Sri", "Bendahara"),
        # Small offices give one person two roles.
        "operator_verifikator": make("opver", "Irfan", "Operator", "Verifikator"),
        "verifikator_pimpinan": make("verpim", "Salma", "Verifikator", "Pimpinan"),
        "pimpinan_bendahara": make("pimben", "Rusli", "Pimpinan", "Bendahara"),
    }


@pytest.fixture
def as_user(client, users):
    def login(who: str):
        client.force_login(users[who])
        return client

    return login


@pytest.fixture
def program(regions):
    return ProgramFactory(year=YEAR, name="Hibah Lembaga Sosial")


@pytest.fixture
def institution(regions):
    return InstitutionFactory(
        name="Majelis Taklim Al Ikhlas",
        village=Village.objects.get(code=BONGO_NOL),
        bank_name="Bank SulutGo",
        account_number="5001234567",
        account_holder="Majelis Taklim Al Ikhlas",
    )


def make_grant(program, institution, users, status: str, **extra) -> Grant:
    """A grant in `status`, each earlier step taken by a single-role officer."""
    done = {"proposed_by": users["operator"], "content_changed_by": users["operator"]}
    trait = {}
    if status == Status.VERIFIED:
        trait = {"verified": True}
        done["verified_by"] = users["verifikator"]
    elif status == Status.APPROVED:
        trait = {"approved": True}
        done |= {
            "verified_by": users["verifikator"],
            "approved_by": users["pimpinan"],
            "decree_date": DECREE_DATE,
        }
    return GrantFactory(
        program=program, institution=institution, **trait, **(done | extra)
    )


@pytest.fixture
def approved(program, institution, users):
    return make_grant(program, institution, users, Status.APPROVED)


def pay(client, grant, *, paid_on=TODAY, amount="10.000.000", reference="TRF-0001"):
    return client.post(
        f"/bantuan/{grant.pk}/disburse/",
        {
            "disburse-expected_status": "approved",
            "disburse-paid_on": day(paid_on),
            "disburse-amount": amount,
            "disburse-transfer_reference": reference,
        },
    )


# Separation of duties on the grant page ---------------------------------------

# A complete, valid form for each step, as the page would post it.
ACTION_DATA = {
    "verify": {
        "verify-expected_status": "proposed",
        "verify-item_0": "on",
        "verify-item_1": "on",
    },
    "approve": {
        "approve-expected_status": "verified",
        "approve-decree_number": "188.44/KEP/1",
        "approve-decree_date": day(DECREE_DATE),
    },
    "disburse": {
        "disburse-expected_status": "approved",
        "disburse-paid_on": day(TODAY),
        "disburse-amount": "10.000.000",
        "disburse-transfer_reference": "TRF-0001",
    },
}


@pytest.mark.parametrize(
    ("who", "status", "did", "action", "label", "reason"),
    [
        pytest.param(
            "operator_verifikator",
            Status.PROPOSED,
            ("proposed_by", "content_changed_by"),
            "verify",
            "Verifikasi",
            MSG_OWN_PROPOSAL,
            id="proposer-verifies",
        ),
        pytest.param(
            "operator_verifikator",
            Status.PROPOSED,
            ("content_changed_by",),
            "verify",
            "Verifikasi",
            MSG_OWN_CHANGE,
            id="last-changer-verifies",
        ),
        pytest.param(
            "verifikator_pimpinan",
            Status.VERIFIED,
            ("verified_by",),
            "approve",
            "Setujui",
            MSG_OWN_VERIFICATION,
            id="verifier-approves",
        ),
        pytest.param(
            "pimpinan_bendahara",
            Status.APPROVED,
            ("approved_by",),
            "disburse",
            "Catat penyaluran",
            MSG_OWN_APPROVAL,
            id="approver-pays",
        ),
    ],
)
def test_the_page_says_why_an_earlier_step_bars_the_user_and_a_post_changes_nothing(
    as_user, users, program, institution, who, status, did, action, label, reason
):
    me = users[who]
    grant = make_grant(
        program,
        institution,
        users,
        status,
        **dict.fromkeys(did, me),
    )
    client = as_user(who)
    before = state(grant)

    detail = client.get(f"/bantuan/{grant.pk}/")
    response = client.post(f"/bantuan/{grant.pk}/{action}/", ACTION_DATA[action])

    assert action not in action_forms(detail)
    assert blocked(detail)[label] == reason
    assert "(Anda)" in section(detail, "grant-steps")
    assert response.status_code == 403
    assert state(grant) == before


def test_the_grant_page_names_the_officer_of_each_step(as_user, approved):
    steps = section(as_user("bendahara").get(f"/bantuan/{approved.pk}/"), "grant-steps")

    assert re.search(r"Diusulkan\s+Rahmawati", steps)
    assert re.search(r"Diverifikasi\s+Yusuf", steps)
    assert re.search(r"Disetujui\s+Hamzah", steps)


# The account a grant is paid to -----------------------------------------------


def test_the_treasurer_sees_the_verified_account_above_the_pay_form(as_user, approved):
    detail = as_user("bendahara").get(f"/bantuan/{approved.pk}/")
    content = page(detail)

    assert action_forms(detail) == {"disburse"}
    assert not blocked(detail)
    account = section(detail, "grant-account")
    for value in ("Bank SulutGo", "5001234567", "Majelis Taklim Al Ikhlas"):
        assert value in account
    pay_to = section(detail, "pay-to")
    assert "Bank SulutGo 5001234567" in pay_to
    assert "a.n. Majelis Taklim Al Ikhlas" in pay_to
    assert content.index('id="pay-to"') < content.index('id="form-disburse"')
    assert 'id="bank-change-pending"' not in content


def institution_form(institution: Institution, **changes) -> dict:
    """The institution's edit form as a browser posts it back."""
    village = institution.village
    data = {
        "kind": institution.kind,
        "wksbm_type": institution.wksbm_type,
        "name": institution.name,
        "regency": village.district.regency_id,
        "district": village.district_id,
        "village": village.code,
        "address": institution.address,
        "leader_name": institution.leader_name,
        "phone": institution.phone,
        "email": institution.email,
        "registration_number": institution.registration_number,
        "registration_date": "",
        "registration_issuer": institution.registration_issuer,
        "npwp": institution.npwp,
        "bank_name": institution.bank_name,
        "account_number": institution.account_number,
        "account_holder": institution.account_holder,
        "permit_number": "",
        "permit_expires_on": "",
        "accreditation": "",
        "accreditation_expires_on": "",
        "active": "on",
    }
    return data | changes


@pytest.fixture
def account_changed(as_user, approved, institution):
    """The operator types a new account number on the institution's edit page."""
    response = as_user("operator_verifikator").post(
        f"/lembaga/{institution.pk}/ubah/",
        institution_form(institution, account_number="5009876543"),
    )
    assert response.status_code == 302
    return approved


def test_a_new_account_on_the_institution_page_holds_the_payment(
    as_user, account_changed
):
    grant = account_changed
    client = as_user("bendahara")
    before = state(grant)

    detail = client.get(f"/bantuan/{grant.pk}/")
    response = pay(client, grant)

    warning = section(detail, "bank-change-pending")
    assert "Rekening berubah." in warning
    assert "5009876543" in warning
    # The account to pay stays the verified one until it is confirmed.
    assert "5001234567" in section(detail, "grant-account")
    assert 'id="pay-to"' not in page(detail)
    assert "disburse" not in action_forms(detail)
    assert blocked(detail)["Catat penyaluran"] == MSG_BANK_CHANGED
    timeline = page(detail).split('id="timeline"', 1)[1]
    assert "Rekening lembaga berubah" in timeline
    assert response.status_code == 403
    assert state(grant) == before
    assert not Disbursement.objects.exists()


def test_the_officer_who_changed_the_account_cannot_confirm_it(
    as_user, account_changed
):
    grant = account_changed
    client = as_user("operator_verifikator")
    before = state(grant)

    detail = client.get(f"/bantuan/{grant.pk}/")
    response = client.post(
        f"/bantuan/{grant.pk}/confirm_bank/",
        {
            "confirm_bank-expected_status": "approved",
            "confirm_bank-note": "Saya sendiri yang mengubah",
        },
    )

    assert "confirm_bank" not in action_forms(detail)
    assert blocked(detail)["Konfirmasi rekening baru"] == MSG_OWN_BANK_CHANGE
    assert response.status_code == 403
    assert state(grant) == before


def test_a_confirmation_needs_a_note(as_user, account_changed):
    grant = account_changed
    before = state(grant)

    response = as_user("verifikator").post(
        f"/bantuan/{grant.pk}/confirm_bank/",
        {"confirm_bank-expected_status": "approved", "confirm_bank-note": " "},
    )

    assert response.status_code == 400
    assert field_error(response, "confirm_bank-note") == [REQUIRED]
    assert state(grant) == before


def test_another_verifier_confirms_the_new_account_and_the_payment_goes_to_it(
    as_user, users, account_changed
):
    grant = account_changed
    client = as_user("verifikator")
    assert "confirm_bank" in action_forms(client.get(f"/bantuan/{grant.pk}/"))

    response = client.post(
        f"/bantuan/{grant.pk}/confirm_bank/",
        {
            "confirm_bank-expected_status": "approved",
            "confirm_bank-note": "Buku tabungan baru diperiksa",
        },
    )

    assert response.status_code == 302
    assert "Rekening baru dikonfirmasi; penyaluran dapat dicatat." in messages_shown(
        client.get(response.url)
    )
    grant.refresh_from_db()
    assert grant.verified_account == (
        "Bank SulutGo",
        "5009876543",
        "Majelis Taklim Al Ikhlas",
    )
    confirmed = grant.events.get(kind=GrantEvent.Kind.BANK_CONFIRMED)
    assert confirmed.actor == users["verifikator"]
    assert "Buku tabungan baru diperiksa" in confirmed.note

    client = as_user("bendahara")
    detail = client.get(f"/bantuan/{grant.pk}/")
    assert 'id="bank-change-pending"' not in page(detail)
    assert "5009876543" in section(detail, "pay-to")
    assert pay(client, grant).status_code == 302
    paid = Disbursement.objects.get(grant=grant)
    assert (
        paid.paid_to_bank_name,
        paid.paid_to_account_number,
        paid.paid_to_account_holder,
    ) == ("Bank SulutGo", "5009876543", "Majelis Taklim Al Ikhlas")
    grant.refresh_from_db()
    assert grant.status == Status.DISBURSED
    assert "Bank SulutGo 5009876543 a.n. Majelis Taklim Al Ikhlas" in page(
        client.get(f"/bantuan/{grant.pk}/")
    )


def _account_history(response) -> tuple[str, str, str, str]:
    history = page(response).split('id="identity-history"', 1)[1]
    rows = [
        re.findall(r"<td>(.*?)</td>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", history.split("</table>", 1)[0])
    ]
    [(_when, field, old, new, by)] = [row for row in rows if row]
    return field, old, new, by


def test_the_institution_page_shows_the_old_and_new_account(
    as_user, account_changed, institution
):
    # The Verifikator checks account numbers against the bank book: whole.
    response = as_user("verifikator").get(f"/lembaga/{institution.pk}/")

    field, old, new, by = _account_history(response)
    assert (field, old, new) == ("nomor rekening", "5001234567", "5009876543")
    assert by.startswith("Irfan")
    change = InstitutionChange.objects.get(institution=institution)
    assert (change.field, change.source) == ("account_number", "form")


def test_the_institution_page_masks_the_old_and_new_account_for_a_pimpinan(
    as_user, account_changed, institution
):
    response = as_user("pimpinan").get(f"/lembaga/{institution.pk}/")

    field, old, new, _by = _account_history(response)
    assert (field, old, new) == ("nomor rekening", "******4567", "******6543")
    assert "5001234567" not in page(response) and "5009876543" not in page(response)


# The NPHD of a hibah ------------------------------------------------------------


@pytest.fixture
def unsigned(program, institution, users):
    return make_grant(
        program, institution, users, Status.APPROVED, nphd_number="", nphd_date=None
    )


def record_nphd(client, grant, date=DECREE_DATE, number=f"NPHD/21/{YEAR}"):
    return client.post(
        f"/bantuan/{grant.pk}/nphd/",
        {
            "nphd-expected_status": "approved",
            "nphd-number": number,
            "nphd-date": day(date),
            "nphd-scan": scan_upload("nphd.pdf"),
        },
    )


def test_a_hibah_is_not_paid_before_its_nphd(as_user, unsigned):
    client = as_user("bendahara")
    before = state(unsigned)

    detail = client.get(f"/bantuan/{unsigned.pk}/")
    response = pay(client, unsigned)

    assert "belum dicatat" in section(detail, "grant-nphd")
    assert "disburse" not in action_forms(detail)
    assert blocked(detail)["Catat penyaluran"] == MSG_NPHD_REQUIRED
    assert response.status_code == 403
    assert state(unsigned) == before


@pytest.mark.parametrize("who", ["pimpinan", "operator"])
def test_the_nphd_is_recorded_on_the_grant_page(as_user, users, unsigned, who):
    client = as_user(who)
    assert "nphd" in action_forms(client.get(f"/bantuan/{unsigned.pk}/"))

    response = record_nphd(client, unsigned)

    assert response.status_code == 302
    detail = client.get(response.url)
    assert "NPHD dicatat." in messages_shown(detail)
    assert f"NPHD/21/{YEAR}, {day(DECREE_DATE)}" in section(detail, "grant-nphd")
    event = unsigned.events.get()
    assert (event.kind, event.actor) == (GrantEvent.Kind.NPHD, users[who])
    assert "disburse" in action_forms(as_user("bendahara").get(response.url))


def test_an_nphd_dated_before_the_decree_is_refused_on_the_page(as_user, unsigned):
    Grant.objects.filter(pk=unsigned.pk).update(decree_date=datetime.date(YEAR, 1, 10))
    before = state(unsigned)

    response = record_nphd(
        as_user("pimpinan"), unsigned, date=datetime.date(YEAR, 1, 9)
    )

    assert response.status_code == 409
    assert messages_shown(response) == [
        MSG_NPHD_BEFORE_DECREE % {"date": f"09/01/{YEAR}", "decree": f"10/01/{YEAR}"}
    ]
    assert state(unsigned) == before


def test_a_bansos_needs_no_nphd(as_user, users, institution):
    bansos = ProgramFactory(year=YEAR, spending_type="bansos")
    grant = make_grant(
        bansos, institution, users, Status.APPROVED, nphd_number="", nphd_date=None
    )
    before = state(grant)

    by_head = as_user("pimpinan")
    head_page = by_head.get(f"/bantuan/{grant.pk}/")
    refused = record_nphd(by_head, grant)
    treasurer_page = as_user("bendahara").get(f"/bantuan/{grant.pk}/")

    assert "nphd" not in action_forms(head_page)
    assert 'id="grant-nphd"' not in page(head_page)
    assert refused.status_code == 403
    assert state(grant) == before
    assert action_forms(treasurer_page) == {"disburse"}
    assert pay(as_user("bendahara"), grant).status_code == 302


# Revision after approval --------------------------------------------------------


def revise(client, grant, amount="8.000.000", purpose="Pengadaan tenda"):
    return client.post(
        f"/bantuan/{grant.pk}/revise/",
        {
            "revise-expected_status": "approved",
            "revise-amount": amount,
            "revise-purpose": purpose,
            "revise-note": "Harga tenda turun",
        },
    )


def test_a_revision_sends_the_grant_back_and_its_author_cannot_verify_it(
    as_user, users, approved
):
    client = as_user("operator_verifikator")
    assert "revise" in action_forms(client.get(f"/bantuan/{approved.pk}/"))

    response = revise(client, approved)

    assert response.status_code == 302
    approved.refresh_from_db()
    assert (approved.status, approved.amount, approved.purpose) == (
        Status.PROPOSED,
        8_000_000,
        "Pengadaan tenda",
    )
    assert (approved.decree_number, approved.nphd_number) == ("", "")
    assert (approved.verified_by, approved.approved_by) == (None, None)
    assert approved.content_changed_by == users["operator_verifikator"]
    event = approved.events.get()
    assert (event.from_status, event.to_status) == (Status.APPROVED, Status.PROPOSED)
    assert "Rp10.000.000" in event.note
    assert "Rp8.000.000" in event.note

    before = state(approved)
    detail = client.get(f"/bantuan/{approved.pk}/")
    refused = client.post(
        f"/bantuan/{approved.pk}/verify/",
        {
            "verify-expected_status": "proposed",
            "verify-item_0": "on",
            "verify-item_1": "on",
        },
    )
    assert blocked(detail)["Verifikasi"] == MSG_OWN_CHANGE
    assert refused.status_code == 403
    assert state(approved) == before
    assert "verify" in action_forms(
        as_user("verifikator").get(f"/bantuan/{approved.pk}/")
    )


def test_a_revision_that_changes_nothing_is_refused_on_the_page(as_user, approved):
    before = state(approved)

    response = revise(
        as_user("operator"), approved, amount="10.000.000", purpose=approved.purpose
    )

    assert response.status_code == 409
    assert messages_shown(response) == [MSG_REVISION_CHANGES_NOTHING]
    assert state(approved) == before


def test_a_grant_partly_paid_is_not_revised(as_user, approved):
    DisbursementFactory(grant=approved, amount=4_000_000, paid_on=TODAY)
    client = as_user("operator")
    before = state(approved)

    detail = client.get(f"/bantuan/{approved.pk}/")
    response = revise(client, approved)

    assert blocked(detail)["Revisi nilai atau peruntukan"] == MSG_REVISION_AFTER_PAYMENT
    assert response.status_code == 403
    assert state(approved) == before


# Dates of the decree and of the payment -----------------------------------------


def test_a_decree_dated_before_the_programme_year_is_refused(
    as_user, program, institution, users
):
    grant = make_grant(program, institution, users, Status.VERIFIED)
    before = state(grant)

    response = as_user("pimpinan").post(
        f"/bantuan/{grant.pk}/approve/",
        {
            "approve-expected_status": "verified",
            "approve-decree_number": "188.44/KEP/1",
            "approve-decree_date": f"31/12/{YEAR - 1}",
        },
    )

    assert response.status_code == 409
    assert messages_shown(response) == [
        MSG_DECREE_BEFORE_YEAR % {"date": f"31/12/{YEAR - 1}", "year": YEAR}
    ]
    assert 'name="approve-decree_date" value="31/12/' in page(response)
    assert state(grant) == before


def test_a_payment_dated_before_the_decree_is_refused(as_user, approved):
    before = state(approved)

    response = pay(
        as_user("bendahara"), approved, paid_on=datetime.date(YEAR - 1, 12, 31)
    )

    assert response.status_code == 409
    assert messages_shown(response) == [
        MSG_PAID_BEFORE_DECREE
        % {"date": f"31/12/{YEAR - 1}", "decree": day(DECREE_DATE)}
    ]
    assert state(approved) == before


def test_a_payment_dated_after_today_is_refused(as_user, approved):
    before = state(approved)

    response = pay(
        as_user("bendahara"), approved, paid_on=TODAY + datetime.timedelta(days=1)
    )

    assert response.status_code == 409
    assert messages_shown(response) == [MSG_PAID_IN_FUTURE]
    assert state(approved) == before


# The LPJ is reviewed by someone other than its recorder ------------------------


def test_the_officer_who_recorded_the_lpj_cannot_review_it(
    as_user, users, program, institution
):
    grant = make_grant(program, institution, users, Status.APPROVED)
    Grant.objects.filter(pk=grant.pk).update(status=Status.DISBURSED)
    report = AccountabilityReport.objects.create(
        grant=grant,
        submitted_on=TODAY,
        amount_spent=grant.amount,
        recorded_by=users["operator_verifikator"],
    )
    client = as_user("operator_verifikator")

    detail = client.get(f"/bantuan/{grant.pk}/")
    response = client.post(
        f"/lpj/{grant.pk}/periksa/",
        {"decision": "accept", "expected_status": "submitted"},
    )

    assert f'action="/lpj/{grant.pk}/periksa/"' not in page(detail)
    assert response.status_code == 403
    report.refresh_from_db()
    grant.refresh_from_db()
    assert (report.status, grant.status) == ("submitted", Status.DISBURSED)
    assert f'action="/lpj/{grant.pk}/periksa/"' in page(
        as_user("verifikator").get(f"/bantuan/{grant.pk}/")
    )


# Programmes ---------------------------------------------------------------------


def program_form(**changes) -> dict:
    data = {
        "year": str(YEAR),
        "name": "Hibah Lembaga Sosial",
        "spending_type": "hibah",
        "eligible_kinds": ["wksbm", "karang_taruna", "lksa"],
        "budget_ceiling": "1.000.000.000",
        "checklist_text": "Proposal\nKTP ketua",
        "decree_number": "",
        "decree_date": "",
        "lpj_due_date": f"10/01/{YEAR + 1}",
    }
    return data | changes


def test_a_ceiling_below_what_is_committed_names_both_amounts(
    as_user, program, institution, users
):
    make_grant(program, institution, users, Status.APPROVED, amount=20_000_000)
    client = as_user("pimpinan")

    response = client.post(
        f"/program/{program.pk}/ubah/", program_form(budget_ceiling="15.000.000")
    )

    assert response.status_code == 400
    assert field_error(response, "budget_ceiling") == [
        MSG_CEILING_BELOW_COMMITTED
        % {"ceiling": "Rp15.000.000", "committed": "Rp20.000.000"}
    ]
    program.refresh_from_db()
    assert program.budget_ceiling == 1_000_000_000
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()


def test_the_year_of_a_programme_with_grants_cannot_change(
    as_user, program, institution, users
):
    make_grant(program, institution, users, Status.PROPOSED)

    response = as_user("pimpinan").post(
        f"/program/{program.pk}/ubah/",
        program_form(year=str(YEAR + 1), lpj_due_date=f"10/01/{YEAR + 2}"),
    )

    assert response.status_code == 400
    assert field_error(response, "year") == [MSG_PROGRAM_YEAR_LOCKED]
    program.refresh_from_db()
    assert program.year == YEAR


def propose(client, institution, program):
    return client.post(
        f"/bantuan/usul/?lembaga={institution.pk}",
        {"lembaga": institution.pk, "program": program.pk, "amount": "10.000.000"},
    )


def offered_programmes(client, institution) -> set[str]:
    form = page(client.get(f"/bantuan/usul/?lembaga={institution.pk}"))
    select = form.split('name="program"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option value="(\d+)"', select))


def test_a_closed_programme_takes_no_proposals_until_reopened(
    as_user, users, program, institution
):
    head = as_user("pimpinan")
    assert "Tutup program" in page(head.get(f"/program/{program.pk}/"))

    closed = head.post(f"/program/{program.pk}/tutup/")

    assert closed.status_code == 302
    detail = head.get(closed.url)
    assert "Program ditutup; usulan baru tidak diterima lagi." in messages_shown(detail)
    assert "Ditutup</span>" in page(detail)
    assert "Hamzah" in page(detail).split("<dt>Ditutup</dt>", 1)[1]
    assert "Tutup program" not in page(detail)
    closing = LogEntry.objects.get(object_id=str(program.pk))
    assert (closing.user, closing.change_message) == (
        users["pimpinan"],
        '[{"changed": {"fields": ["Program ditutup"]}}]',
    )

    operator = as_user("operator")
    assert str(program.pk) not in offered_programmes(operator, institution)
    refused = propose(operator, institution, program)
    assert refused.status_code == 400
    assert field_error(refused, "program") == [NOT_TAKING_PROPOSALS]
    assert not Grant.objects.exists()

    head = as_user("pimpinan")
    assert head.post(f"/program/{program.pk}/buka/").status_code == 302
    operator = as_user("operator")
    assert str(program.pk) in offered_programmes(operator, institution)
    assert propose(operator, institution, program).status_code == 302
    assert Grant.objects.get().program == program


def test_a_programme_of_last_year_takes_no_proposals(as_user, regions, institution):
    last_year = ProgramFactory(year=YEAR - 1)
    next_year = ProgramFactory(year=YEAR + 1)
    client = as_user("operator")

    offered = offered_programmes(client, institution)
    refused = propose(client, institution, last_year)

    assert str(last_year.pk) not in offered
    assert str(next_year.pk) in offered
    assert refused.status_code == 400
    assert field_error(refused, "program") == [NOT_TAKING_PROPOSALS]
    assert not Grant.objects.exists()
    assert propose(client, institution, next_year).status_code == 302


def test_a_regency_limited_head_reads_programmes_but_does_not_manage_them(
    client, regions, program
):
    head = UserFactory(role="Pimpinan")
    StaffProfile.objects.create(user=head).regencies.add(
        Regency.objects.get(code="75.02")
    )
    client.force_login(head)

    detail = client.get(f"/program/{program.pk}/")
    closing = client.post(f"/program/{program.pk}/tutup/")
    editing = client.post(f"/program/{program.pk}/ubah/", program_form(name="Lain"))
    creating = client.post("/program/baru/", program_form(name="Lain"))

    assert detail.status_code == 200
    assert "Tutup program" not in page(detail)
    assert f'href="/program/{program.pk}/ubah/"' not in page(detail)
    assert closing.status_code == 403
    assert editing.status_code == 403
    assert creating.status_code == 403
    program.refresh_from_db()
    assert (program.is_open, program.name) == (True, "Hibah Lembaga Sosial")
    assert not Program.objects.filter(name="Lain").exists()


def test_a_refused_post_answers_403_in_indonesian_with_the_reason(as_user, users):
    grant = GrantFactory(proposed_by=users["operator_verifikator"])
    before = state(grant)

    response = as_user("operator_verifikator").post(
        f"/bantuan/{grant.pk}/verify/",
        {"verify-expected_status": "proposed", "verify-item_0": "on"},
    )

    assert response.status_code == 403
    content = page(response)
    assert "Akses ditolak" in content
    assert MSG_OWN_PROPOSAL in content
    assert "Tidak ada data yang diubah." in content
    assert state(grant) == before


def test_a_403_without_a_reason_still_explains_itself_in_indonesian(as_user, users):
    response = as_user("bendahara").get("/program/baru/")

    assert response.status_code == 403
    assert "Peran Anda tidak berwenang" in page(response)


def test_saving_a_new_account_warns_how_many_grants_wait_for_a_verifier(
    as_user, approved, institution
):
    client = as_user("operator_verifikator")

    response = client.post(
        f"/lembaga/{institution.pk}/ubah/",
        institution_form(institution, account_number="5009876543"),
        follow=True,
    )

    assert (
        "Rekening berubah: 1 bantuan menunggu konfirmasi Verifikator sebelum "
        "disalurkan." in messages_shown(response)
    )
    unchanged = client.post(
        f"/lembaga/{institution.pk}/ubah/",
        institution_form(institution, account_number="5009876543", address="Jl. Baru"),
        follow=True,
    )
    assert not any("Rekening berubah" in m for m in messages_shown(unchanged))
