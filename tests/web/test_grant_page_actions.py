"""The grant page's actions: which are offered (the service decides), the next
step open and the others behind a closed disclosure, the verify checklist one
row per document, no decision taken by default, the account at the payment."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grants.forms import MSG_NPHD_SCAN_REQUIRED
from grants.models import AccountabilityReport, Grant, LpjEvidence
from grants.services import (
    MSG_OWN_PROPOSAL,
    GrantError,
    grant_actions,
    record_lpj,
    record_nphd,
)
from institutions.models import Village
from tests.factories import (
    TINY_PDF,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)
from tests.web.pages import field_error, page

pytestmark = pytest.mark.django_db

Status = Grant.Status
TODAY = timezone.localdate()
YEAR = TODAY.year
ACCOUNT = "5001234567"


class ActionLayout(HTMLParser):
    """For each action form: inside a <details>? is that one open? its summary."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict] = {}
        self._details: list[dict] = []
        self._in_summary = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details":
            self._details.append({"open": "open" in attrs, "summary": ""})
        elif tag == "summary":
            self._in_summary = True
        elif tag == "form" and (attrs.get("id") or "").startswith("form-"):
            outer = self._details[-1] if self._details else None
            self.forms[attrs["id"].removeprefix("form-")] = {
                "in_details": outer is not None,
                "open": outer is None or outer["open"],
                "summary": outer["summary"].strip() if outer else None,
            }

    def handle_endtag(self, tag):
        if tag == "details" and self._details:
            self._details.pop()
        elif tag == "summary":
            self._in_summary = False

    def handle_data(self, data):
        if self._in_summary and self._details:
            self._details[-1]["summary"] += data


def layout(response) -> dict[str, dict]:
    parser = ActionLayout()
    parser.feed(response.content.decode())
    return {
        name: where
        for name, where in parser.forms.items()
        if name != "review_lpj"  # the LPJ panel, not one of the actions
    }


@pytest.fixture
def users(db):
    return {
        role: UserFactory(username=role.lower(), role=role)
        for role in ("Operator", "Verifikator", "Pimpinan", "Bendahara", "Pengamat")
    }


@pytest.fixture
def institution(regions):
    return InstitutionFactory(
        name="Majelis Taklim Al Ikhlas",
        village=Village.objects.get(code="75.02.01.2004"),
        bank_name="Bank SulutGo",
        account_number=ACCOUNT,
        account_holder="Majelis Taklim Al Ikhlas",
    )


@pytest.fixture
def program(regions):
    return ProgramFactory(
        year=YEAR,
        budget_ceiling=100_000_000,
        checklist=["Proposal", "KTP ketua"],
    )


def make_grant(program, institution, users, status: str) -> Grant:
    traits = {
        Status.VERIFIED: {"verified": True},
        Status.APPROVED: {
            "approved": True,
            "nphd_number": "NPHD/1",
            "nphd_date": datetime.date(YEAR, 1, 2),
        },
    }.get(status, {"status": status})
    return GrantFactory(
        program=program,
        institution=institution,
        proposed_by=users["Operator"],
        **traits,
    )


# Offered by the service -------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "shown", "primary"),
    [
        ("Verifikator", Status.PROPOSED, {"verify", "return", "reject"}, "verify"),
        ("Pimpinan", Status.VERIFIED, {"approve", "return", "reject"}, "approve"),
        ("Bendahara", Status.APPROVED, {"disburse"}, "disburse"),
        ("Operator", Status.NEEDS_REVISION, {"resubmit"}, "resubmit"),
        ("Operator", Status.PROPOSED, set(), None),
        ("Pengamat", Status.VERIFIED, set(), None),
    ],
)
def test_the_page_offers_the_services_actions_with_the_next_step_open(
    client, users, program, institution, role, status, shown, primary
):
    grant = make_grant(program, institution, users, status)
    user = users[role]
    client.force_login(user)

    forms = layout(client.get(f"/bantuan/{grant.pk}/"))

    offered = {a.name: a for a in grant_actions(grant, user) if a.allowed}
    assert set(forms) == set(offered) == shown
    opened = {name for name, where in forms.items() if not where["in_details"]}
    assert opened == ({primary} if primary else set())
    for name, where in forms.items():
        if name != primary:
            # Behind a closed disclosure named like the action's own button.
            assert where == {
                "in_details": True,
                "open": False,
                "summary": offered[name].label,
            }


def test_the_proposer_who_also_verifies_is_not_offered_to_verify(
    client, users, program, institution
):
    verifier = users["Verifikator"]
    grant = GrantFactory(program=program, institution=institution, proposed_by=verifier)
    client.force_login(verifier)

    response = client.get(f"/bantuan/{grant.pk}/")

    assert layout(response) == {}
    blocked = re.search(r'id="blocked-actions">(.*?)</div>', page(response), re.S)
    assert "Verifikasi" in blocked.group(1)
    assert MSG_OWN_PROPOSAL in blocked.group(1)


def test_a_side_step_that_was_refused_comes_back_open(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.PROPOSED)
    client.force_login(users["Verifikator"])

    response = client.post(
        f"/bantuan/{grant.pk}/reject/", {"reject-expected_status": "proposed"}
    )

    assert response.status_code == 400
    assert layout(response)["reject"]["open"] is True
    assert field_error(response, "reject-note") == ["Bidang ini tidak boleh kosong."]
    grant.refresh_from_db()
    assert grant.status == Status.PROPOSED


# The verify checklist ------------------------------------------------------------


def test_each_checklist_item_is_one_row_with_its_label_result_and_note(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.PROPOSED)
    client.force_login(users["Verifikator"])

    content = page(client.get(f"/bantuan/{grant.pk}/"))

    rows = re.findall(
        r'<fieldset class="checklist-row">(.*?)</fieldset>', content, re.S
    )
    assert len(rows) == 2
    for index, (item, row) in enumerate(
        zip(["Proposal", "KTP ketua"], rows, strict=True)
    ):
        assert f"<legend>{item}</legend>" in row
        radios = re.findall(r'<input type="radio"[^>]*>', row)
        assert len(radios) == 2
        assert not any("checked" in radio for radio in radios)
        assert re.search(r">\s*Sesuai</label>", row)
        assert re.search(r">\s*Tidak sesuai</label>", row)
        assert (
            f'<label for="id_verify-item_{index}_note">Catatan {item}:</label>' in row
        )


def test_verifying_with_a_document_not_in_order_is_refused_at_the_item(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.PROPOSED)
    events_before = grant.events.count()
    client.force_login(users["Verifikator"])

    response = client.post(
        f"/bantuan/{grant.pk}/verify/",
        {
            "verify-expected_status": "proposed",
            "verify-item_0": "on",
            "verify-item_1": "off",
            "verify-item_1_note": "KTP sudah tidak berlaku",
        },
    )

    assert response.status_code == 400
    assert field_error(response, "verify-item_1") == [
        "Dokumen tidak sesuai: usulan tidak dapat diverifikasi."
    ]
    assert field_error(response, "verify-item_0") == []
    assert 'value="KTP sudah tidak berlaku"' in page(response)
    grant.refresh_from_db()
    assert (grant.status, grant.verified_by, grant.checklist_results) == (
        Status.PROPOSED,
        None,
        {},
    )
    assert grant.events.count() == events_before


def test_verifying_with_every_document_in_order_records_the_notes(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.PROPOSED)
    client.force_login(users["Verifikator"])

    response = client.post(
        f"/bantuan/{grant.pk}/verify/",
        {
            "verify-expected_status": "proposed",
            "verify-item_0": "on",
            "verify-item_1": "on",
            "verify-item_1_note": "Fotokopi dilegalisir",
        },
    )

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == Status.VERIFIED
    assert grant.checklist_results == {
        "Proposal": {"ok": True, "note": ""},
        "KTP ketua": {"ok": True, "note": "Fotokopi dilegalisir"},
    }


# The LPJ review -----------------------------------------------------------------


@pytest.fixture
def submitted_lpj(users, program, institution):
    grant = GrantFactory(
        program=program,
        institution=institution,
        disbursed=True,
        amount=10_000_000,
        proposed_by=users["Operator"],
    )
    return record_lpj(
        grant,
        by=users["Operator"],
        submitted_on=TODAY,
        amount_spent=10_000_000,
        evidence={
            kind.value: [SimpleUploadedFile(f"{kind.value}.pdf", TINY_PDF)]
            for kind in LpjEvidence.REQUIRED_KINDS
        },
    )


def test_the_lpj_review_has_no_finding_chosen(client, users, submitted_lpj):
    client.force_login(users["Verifikator"])

    content = page(client.get(f"/bantuan/{submitted_lpj.grant_id}/"))

    form = re.search(r'<form [^>]*id="form-review_lpj".*?</form>', content, re.S)
    radios = re.findall(r'<input type="radio"[^>]*>', form.group(0))
    assert len(radios) == 2 * len(LpjEvidence.REQUIRED_KINDS)
    assert not any("checked" in radio for radio in radios)
    # No decision to pick: it follows from the findings.
    assert 'name="decision"' not in form.group(0)
    assert "<select" not in form.group(0)


def test_an_lpj_review_without_findings_is_refused_and_changes_nothing(
    client, users, submitted_lpj
):
    grant = submitted_lpj.grant
    client.force_login(users["Verifikator"])

    response = client.post(
        f"/lpj/{grant.pk}/periksa/",
        {"expected_status": "submitted", "note": "Sudah diperiksa"},
    )

    assert response.status_code == 400
    assert field_error(response, "item_penggunaan") == [
        "Pilih Sesuai atau Perlu perbaikan untuk Laporan penggunaan dana."
    ]
    submitted_lpj.refresh_from_db()
    grant.refresh_from_db()
    assert submitted_lpj.status == AccountabilityReport.Status.SUBMITTED
    assert submitted_lpj.reviewed_by is None
    assert grant.status == Status.DISBURSED


# The payment --------------------------------------------------------------------


def payment_block(response) -> str:
    """The payment step: where the money goes, then its form."""
    content = page(response)
    found = re.search(r'<dl class="details" id="pay-to">.*?</form>', content, re.S)
    assert found, "no account shown at the payment form"
    assert 'id="form-disburse"' in found.group(0)
    return found.group(0)


def test_the_payment_form_shows_the_verified_account(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.APPROVED)
    client.force_login(users["Bendahara"])

    block = payment_block(client.get(f"/bantuan/{grant.pk}/"))

    assert f"Bank SulutGo {ACCOUNT}" in block
    assert "a.n. Majelis Taklim Al Ikhlas" in block


def test_the_payment_form_masks_the_account_for_whoever_may_not_see_it(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.APPROVED)
    payer = UserFactory(username="pembayar")
    payer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="grants",
            codename__in=["view_grant", "disburse_grant"],
        )
    )
    client.force_login(payer)

    block = payment_block(client.get(f"/bantuan/{grant.pk}/"))

    assert ACCOUNT not in block
    assert f"Bank SulutGo ******{ACCOUNT[-4:]}" in block


# Defaults: today's date where the step happens today, the amount left to pay --


def input_value(response, name: str) -> str | None:
    tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', page(response))
    assert tag, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def test_the_decree_date_defaults_to_today_in_wita(client, users, program, institution):
    grant = make_grant(program, institution, users, Status.VERIFIED)
    client.force_login(users["Pimpinan"])

    response = client.get(f"/bantuan/{grant.pk}/")

    assert input_value(response, "approve-decree_date") == f"{TODAY:%d/%m/%Y}"
    assert input_value(response, "approve-decree_number") is None


def test_the_payment_defaults_to_today_and_the_amount_left_to_pay(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.APPROVED)
    grant.disbursements.create(
        paid_on=TODAY,
        amount=4_000_000,
        transfer_reference="TRF-1",
        recorded_by=users["Bendahara"],
    )
    client.force_login(users["Bendahara"])

    response = client.get(f"/bantuan/{grant.pk}/")

    assert input_value(response, "disburse-paid_on") == f"{TODAY:%d/%m/%Y}"
    remaining = f"{grant.amount - 4_000_000:,}".replace(",", ".")
    assert input_value(response, "disburse-amount") == remaining
    assert input_value(response, "disburse-transfer_reference") is None


def test_all_in_order_is_its_own_button_after_verify_and_ticks_nothing_itself(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.PROPOSED)
    client.force_login(users["Verifikator"])

    content = page(client.get(f"/bantuan/{grant.pk}/"))

    form = re.search(r'<form [^>]*id="form-verify".*?</form>', content, re.S).group(0)
    buttons = re.findall(r"<button [^>]*>[^<]*</button>", form)
    # The plain button first: Enter in a note field sends that one.
    assert buttons[0].endswith(">Verifikasi</button>")
    assert 'name="verify-semua_sesuai"' in buttons[1]
    assert buttons[1].endswith(">Semua sesuai, verifikasi</button>")
    assert "checked" not in form


def test_all_in_order_verifies_with_every_item_found_in_order(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.PROPOSED)
    client.force_login(users["Verifikator"])

    response = client.post(
        f"/bantuan/{grant.pk}/verify/",
        {
            "verify-expected_status": Status.PROPOSED,
            "verify-expected_version": grant.version,
            "verify-semua_sesuai": "1",
        },
    )

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == Status.VERIFIED
    assert set(grant.checklist_results) == {"Proposal", "KTP ketua"}
    assert all(result["ok"] is True for result in grant.checklist_results.values())


def test_without_the_button_an_untouched_checklist_is_refused(
    client, users, program, institution
):
    grant = make_grant(program, institution, users, Status.PROPOSED)
    client.force_login(users["Verifikator"])

    response = client.post(
        f"/bantuan/{grant.pk}/verify/",
        {
            "verify-expected_status": Status.PROPOSED,
            "verify-expected_version": grant.version,
        },
    )

    assert response.status_code == 400
    grant.refresh_from_db()
    assert grant.status == Status.PROPOSED


# The NPHD scan ------------------------------------------------------------------


def scan(content: bytes = TINY_PDF, name: str = "nphd.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def unsigned(fresh_storage, users, program, institution):
    """An approved hibah waiting for its signed agreement."""
    return GrantFactory(
        program=program,
        institution=institution,
        proposed_by=users["Operator"],
        approved=True,
        nphd_number="",
        nphd_date=None,
    )


def stored_nphd_files(grant) -> list[str]:
    try:
        return default_storage.listdir(f"bantuan/{grant.pk}/nphd")[1]
    except FileNotFoundError:
        return []


def post_nphd(client, grant, **files):
    return client.post(
        f"/bantuan/{grant.pk}/nphd/",
        {
            "nphd-expected_status": "approved",
            "nphd-number": "NPHD/DINSOS/7",
            "nphd-date": f"{TODAY:%d/%m/%Y}",
            **files,
        },
    )


def test_the_nphd_form_asks_for_the_scan_and_defaults_its_date_to_today(
    client, users, unsigned
):
    client.force_login(users["Pimpinan"])

    response = client.get(f"/bantuan/{unsigned.pk}/")

    content = page(response)
    form = re.search(r'<form [^>]*id="form-nphd"[^>]*>', content).group(0)
    assert 'enctype="multipart/form-data"' in form
    assert '<label for="id_nphd-scan">Pindaian NPHD:</label>' in content
    assert input_value(response, "nphd-date") == f"{TODAY:%d/%m/%Y}"


def test_the_nphd_is_recorded_with_its_scan_and_the_page_links_it(
    client, users, unsigned
):
    client.force_login(users["Pimpinan"])

    response = post_nphd(client, unsigned, **{"nphd-scan": scan()})

    assert response.status_code == 302
    unsigned.refresh_from_db()
    assert (unsigned.nphd_number, unsigned.nphd_date) == ("NPHD/DINSOS/7", TODAY)
    assert unsigned.nphd_scan.name.startswith(f"bantuan/{unsigned.pk}/nphd/")
    assert unsigned.nphd_scan.name.endswith(".pdf")
    with unsigned.nphd_scan.open("rb") as stored:
        assert stored.read() == TINY_PDF
    event = unsigned.events.get()
    assert event.note == (
        f"NPHD NPHD/DINSOS/7 tanggal {TODAY:%d/%m/%Y}. Pindaian NPHD dilampirkan."
    )
    detail = page(client.get(f"/bantuan/{unsigned.pk}/"))
    link = re.search(r'<a href="([^"]+)" id="nphd-scan-link">', detail)
    assert link.group(1) == f"/bantuan/{unsigned.pk}/nphd/berkas/"


def test_an_nphd_without_its_scan_is_refused_for_a_hibah(client, users, unsigned):
    client.force_login(users["Pimpinan"])

    response = post_nphd(client, unsigned)

    assert response.status_code == 400
    assert field_error(response, "nphd-scan") == [str(MSG_NPHD_SCAN_REQUIRED)]
    unsigned.refresh_from_db()
    assert (unsigned.nphd_number, unsigned.nphd_date) == ("", None)
    assert not unsigned.events.exists()


def test_an_nphd_scan_of_the_wrong_type_is_refused_and_nothing_is_stored(
    client, users, unsigned
):
    client.force_login(users["Pimpinan"])
    disguised = scan(b"MZ\x90\x00 not a pdf at all", name="nphd.pdf")

    response = post_nphd(client, unsigned, **{"nphd-scan": disguised})

    assert response.status_code == 400
    assert field_error(response, "nphd-scan") == [
        "Berkas nphd.pdf bukan PDF, JPEG atau PNG. Unggah pindaian dalam salah "
        "satu format itu; berkas tidak disimpan."
    ]
    unsigned.refresh_from_db()
    assert (unsigned.nphd_number, bool(unsigned.nphd_scan)) == ("", False)
    assert stored_nphd_files(unsigned) == []
    assert not unsigned.events.exists()


def test_the_service_refuses_a_disguised_nphd_scan_and_stores_nothing(users, unsigned):
    with pytest.raises(GrantError) as refused:
        record_nphd(
            unsigned,
            by=users["Pimpinan"],
            number="NPHD/DINSOS/7",
            date=TODAY,
            scan=scan(b"<html>not a scan</html>", name="nphd.pdf"),
        )

    assert "bukan PDF, JPEG atau PNG" in refused.value.message
    unsigned.refresh_from_db()
    assert (unsigned.nphd_number, bool(unsigned.nphd_scan)) == ("", False)
    assert stored_nphd_files(unsigned) == []


def test_correcting_an_nphd_keeps_the_scan_on_record(client, users, unsigned):
    client.force_login(users["Pimpinan"])
    assert post_nphd(client, unsigned, **{"nphd-scan": scan()}).status_code == 302
    unsigned.refresh_from_db()
    first = unsigned.nphd_scan.name

    response = client.post(
        f"/bantuan/{unsigned.pk}/nphd/",
        {
            "nphd-expected_status": "approved",
            "nphd-expected_version": unsigned.version,
            "nphd-number": "NPHD/DINSOS/7A",
            "nphd-date": f"{TODAY:%d/%m/%Y}",
        },
    )

    assert response.status_code == 302
    unsigned.refresh_from_db()
    assert (unsigned.nphd_number, unsigned.nphd_scan.name) == ("NPHD/DINSOS/7A", first)
