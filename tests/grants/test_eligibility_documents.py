"""Missing or expired documents and an overdue LPJ block a proposal unless a
Pimpinan overrides them, with a reason, for one programme; the grant shows it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from grants import roles
from grants.models import EligibilityOverride, Grant
from grants.services import (
    MSG_LPJ_OVERDUE,
    MSG_NEEDS_OVERRIDE,
    MSG_NO_PERMISSION,
    MSG_OVERRIDE_EXISTS,
    MSG_OVERRIDE_NOTHING,
    MSG_OVERRIDE_REASON_REQUIRED,
    GrantError,
    NotAllowed,
    NotEligible,
    check_eligibility,
    grant_eligibility_override,
    propose_grant,
)
from institutions.models import InstitutionDocument, Regency, StaffProfile, Village
from tests.factories import (
    GrantFactory,
    InstitutionDocumentFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
)
from tests.web.pages import field_error, page

pytestmark = pytest.mark.django_db

Kind = InstitutionDocument.Kind
TODAY = datetime.date(2024, 4, 1)
BOALEMO_VILLAGE = "75.02.01.2004"
MISSING_NPWP = "Dokumen NPWP belum ada."
REASON = "NPWP sedang diurus di KPP Pratama; pindaian menyusul bulan depan."


@pytest.fixture
def program():
    return ProgramFactory(year=2024, name="Hibah Lembaga 2024")


@pytest.fixture
def without_npwp():
    institution = InstitutionFactory(name="Majelis Taklim Al-Amin")
    institution.documents.filter(kind=Kind.NPWP).delete()
    return institution


def propose(program, institution, by, today=TODAY):
    return propose_grant(
        program=program, institution=institution, amount=10_000_000, by=by, today=today
    )


# The blockers ------------------------------------------------------------------


def test_an_institution_with_every_document_in_force_is_not_blocked(program):
    result = check_eligibility(program, InstitutionFactory(), today=TODAY)

    assert result.ok
    assert result.blockers == []


def test_each_missing_document_blocks_by_name(program):
    institution = InstitutionFactory(documents=False)
    InstitutionDocumentFactory(institution=institution, kind=Kind.NPWP)

    result = check_eligibility(program, institution, today=TODAY)

    assert not result.ok
    assert result.errors == []
    assert result.blockers == [
        "Dokumen Akta atau SK pendirian belum ada.",
        "Dokumen SK terdaftar belum ada.",
        "Dokumen Halaman buku rekening belum ada.",
        "Dokumen Surat keterangan domisili belum ada.",
    ]


def test_an_expired_document_blocks_from_the_day_after_its_expiry(program):
    institution = InstitutionFactory()
    institution.documents.filter(kind=Kind.DOMICILE).update(
        expires_on=datetime.date(2024, 3, 31)
    )

    assert check_eligibility(program, institution, today=TODAY).blockers == [
        "Dokumen Surat keterangan domisili kedaluwarsa sejak 01/04/2024."
    ]
    # On its last day it is still in force.
    on_last_day = check_eligibility(
        program, institution, today=datetime.date(2024, 3, 31)
    )
    assert on_last_day.blockers == []


def test_a_newer_scan_of_an_expired_document_lifts_the_block(program):
    institution = InstitutionFactory()
    institution.documents.filter(kind=Kind.DOMICILE).update(
        expires_on=datetime.date(2023, 12, 31)
    )
    InstitutionDocumentFactory(
        institution=institution,
        kind=Kind.DOMICILE,
        expires_on=datetime.date(2024, 12, 31),
    )

    assert check_eligibility(program, institution, today=TODAY).ok


def test_expiry_is_judged_on_the_date_in_gorontalo(program, monkeypatch):
    institution = InstitutionFactory()
    institution.documents.filter(kind=Kind.NPWP).update(
        expires_on=datetime.date(2024, 3, 31)
    )
    # 16:30 UTC on 31 March is 00:30 on 1 April in Gorontalo (WITA, UTC+8).
    late_evening_utc = datetime.datetime(2024, 3, 31, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late_evening_utc)

    result = check_eligibility(program, institution)

    assert result.blockers == ["Dokumen NPWP kedaluwarsa sejak 01/04/2024."]


def test_an_overdue_lpj_blocks(program):
    late = GrantFactory(program=ProgramFactory(year=2022), disbursed=True)

    result = check_eligibility(program, late.institution, today=TODAY)

    assert result.blockers == [MSG_LPJ_OVERDUE]
    assert not result.ok


def test_a_blocked_institution_cannot_be_proposed(program, operator, without_npwp):
    with pytest.raises(NotEligible) as caught:
        propose(program, without_npwp, operator)

    assert MISSING_NPWP in caught.value.message
    assert MSG_NEEDS_OVERRIDE in caught.value.message
    assert not Grant.objects.exists()


def test_a_blocker_never_hides_a_hard_error(program, operator):
    institution = InstitutionFactory(documents=False, active=False)
    EligibilityOverride.objects.create(
        program=program,
        institution=institution,
        reason=REASON,
        granted_by=UserFactory(role=roles.PIMPINAN),
    )

    result = check_eligibility(program, institution, today=TODAY)

    assert result.override is not None
    assert result.errors and not result.ok


# The override ------------------------------------------------------------------


def test_a_pimpinan_override_lets_the_proposal_through_and_is_recorded(
    program, operator, head, without_npwp
):
    override = grant_eligibility_override(
        program, without_npwp, by=head, reason=f"  {REASON}  ", today=TODAY
    )

    assert override.reason == REASON
    assert override.problems == [MISSING_NPWP]
    assert override.granted_by == head
    assert check_eligibility(program, without_npwp, today=TODAY).ok

    grant, _warnings = propose(program, without_npwp, operator)

    assert grant.eligibility_override == override
    note = grant.events.get().note
    assert REASON in note and MISSING_NPWP in note


def test_an_override_holds_for_its_programme_only(
    program, operator, head, without_npwp
):
    grant_eligibility_override(
        program, without_npwp, by=head, reason=REASON, today=TODAY
    )
    other = ProgramFactory(year=2024, name="Bansos Lembaga 2024")

    with pytest.raises(NotEligible):
        propose(other, without_npwp, operator)


def test_a_grant_proposed_without_blockers_carries_no_override(
    program, operator, head, without_npwp
):
    grant_eligibility_override(
        program, without_npwp, by=head, reason=REASON, today=TODAY
    )
    InstitutionDocumentFactory(institution=without_npwp, kind=Kind.NPWP)

    grant, _warnings = propose(program, without_npwp, operator)

    assert grant.eligibility_override is None


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.VERIFIKATOR, roles.BENDAHARA])
def test_only_a_pimpinan_overrides(program, without_npwp, role):
    with pytest.raises(NotAllowed, match=MSG_NO_PERMISSION):
        grant_eligibility_override(
            program,
            without_npwp,
            by=UserFactory(role=role),
            reason=REASON,
            today=TODAY,
        )

    assert not EligibilityOverride.objects.exists()


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_an_override_without_a_reason_is_refused(program, head, without_npwp, reason):
    with pytest.raises(GrantError, match=MSG_OVERRIDE_REASON_REQUIRED):
        grant_eligibility_override(
            program, without_npwp, by=head, reason=reason, today=TODAY
        )

    assert not EligibilityOverride.objects.exists()


def test_nothing_to_override_is_refused(program, head):
    with pytest.raises(GrantError, match=MSG_OVERRIDE_NOTHING):
        grant_eligibility_override(
            program, InstitutionFactory(), by=head, reason=REASON, today=TODAY
        )

    assert not EligibilityOverride.objects.exists()


def test_a_second_override_is_refused(program, head, without_npwp):
    grant_eligibility_override(
        program, without_npwp, by=head, reason=REASON, today=TODAY
    )

    with pytest.raises(GrantError, match=MSG_OVERRIDE_EXISTS):
        grant_eligibility_override(
            program, without_npwp, by=head, reason="Lagi", today=TODAY
        )

    assert EligibilityOverride.objects.count() == 1


# The pages ---------------------------------------------------------------------


@pytest.fixture
def open_program(regions):
    """The one programme open this year for WKSBM."""
    return ProgramFactory(
        year=timezone.localdate().year,
        name="Hibah WKSBM",
        covers_karang_taruna=False,
        covers_lksa=False,
    )


@pytest.fixture
def blocked(regions):
    institution = InstitutionFactory(
        name="Majelis Taklim Nurul Huda",
        village=Village.objects.get(code=BOALEMO_VILLAGE),
    )
    institution.documents.filter(kind=Kind.NPWP).delete()
    return institution


def propose_url(institution) -> str:
    return f"/bantuan/usul/?lembaga={institution.pk}"


def override_data(institution, program, reason=REASON) -> dict:
    return {
        "lembaga": institution.pk,
        "override-program": program.pk,
        "override-reason": reason,
    }


def test_the_operator_sees_the_blockers_and_where_to_fix_them(
    client, operator, open_program, blocked
):
    client.force_login(operator)

    html = page(client.get(propose_url(blocked)))

    blockers = html.split('id="blockers"', 1)[1].split("</section>", 1)[0]
    assert MISSING_NPWP in blockers
    assert "Perlu pengecualian dari Pimpinan" in blockers
    assert f"/lembaga/{blocked.pk}/dokumen/" in blockers
    assert 'id="override-form"' not in html


def test_the_operator_cannot_propose_a_blocked_institution(
    client, operator, open_program, blocked
):
    client.force_login(operator)

    response = client.post(
        propose_url(blocked),
        {"lembaga": blocked.pk, "program": open_program.pk, "amount": "10.000.000"},
    )

    assert response.status_code == 400
    assert field_error(response, "program") == [MSG_NEEDS_OVERRIDE]
    assert not Grant.objects.exists()


def test_an_operator_cannot_post_an_override(client, operator, open_program, blocked):
    client.force_login(operator)

    response = client.post(
        reverse("grants:eligibility_override"), override_data(blocked, open_program)
    )

    assert response.status_code == 403
    assert not EligibilityOverride.objects.exists()


def test_the_pimpinan_overrides_on_the_proposal_page_and_the_grant_shows_it(
    client, operator, head, open_program, blocked
):
    client.force_login(head)
    form_page = page(client.get(propose_url(blocked)))
    assert 'id="override-form"' in form_page
    # The only open programme is chosen already.
    assert re.search(
        rf'<option value="{open_program.pk}" selected>',
        form_page.split("override-form")[1],
    )

    response = client.post(
        reverse("grants:eligibility_override"), override_data(blocked, open_program)
    )

    assert response.status_code == 302
    assert response["Location"] == (
        f"/bantuan/usul/?lembaga={blocked.pk}&program={open_program.pk}"
    )
    override = EligibilityOverride.objects.get()
    assert (override.granted_by, override.reason) == (head, REASON)

    client.force_login(operator)
    shown = page(client.get(response["Location"]))
    assert REASON in shown
    response = client.post(
        propose_url(blocked),
        {"lembaga": blocked.pk, "program": open_program.pk, "amount": "10.000.000"},
    )
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert grant.eligibility_override == override

    detail = page(client.get(f"/bantuan/{grant.pk}/"))
    section = detail.split('id="eligibility-override"', 1)[1].split("</section>", 1)[0]
    assert REASON in section
    assert MISSING_NPWP in section
    assert (head.get_full_name() or head.username) in section


def test_an_override_with_an_empty_reason_is_refused_on_the_page(
    client, head, open_program, blocked
):
    client.force_login(head)

    response = client.post(
        reverse("grants:eligibility_override"),
        override_data(blocked, open_program, reason="   "),
    )

    assert response.status_code == 400
    assert field_error(response, "override-reason") == [MSG_OVERRIDE_REASON_REQUIRED]
    assert not EligibilityOverride.objects.exists()


def test_a_pimpinan_of_another_regency_cannot_override(
    client, head, open_program, blocked
):
    StaffProfile.objects.create(user=head).regencies.add(
        Regency.objects.get(code="75.01")
    )
    client.force_login(head)

    response = client.post(
        reverse("grants:eligibility_override"), override_data(blocked, open_program)
    )

    assert response.status_code == 404
    assert not EligibilityOverride.objects.exists()


def test_a_pimpinan_does_not_propose(client, head, open_program, blocked):
    client.force_login(head)

    assert 'id="propose-form"' not in page(client.get(propose_url(blocked)))
    response = client.post(
        propose_url(blocked),
        {"lembaga": blocked.pk, "program": open_program.pk, "amount": "10.000.000"},
    )
    assert response.status_code == 403


def test_an_eligible_proposal_takes_the_amount_and_one_click(
    client, operator, open_program, regions
):
    # Another programme open for other kinds is not offered first.
    ProgramFactory(
        year=open_program.year, covers_wksbm=False, name="Bansos Karang Taruna"
    )
    institution = InstitutionFactory()
    client.force_login(operator)

    html = page(client.get(propose_url(institution)))
    assert re.search(rf'<option value="{open_program.pk}" selected>', html)
    assert 'id="blockers"' not in html

    response = client.post(
        propose_url(institution),
        {"lembaga": institution.pk, "program": open_program.pk, "amount": "5.000.000"},
    )

    assert response.status_code == 302
    assert Grant.objects.get().purpose == ""


def test_the_admin_refuses_a_blocked_proposal(admin_client, open_program, blocked):
    response = admin_client.post(
        reverse("admin:grants_grant_add"),
        {"program": open_program.pk, "institution": blocked.pk, "amount": "1.000.000"},
    )

    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert MISSING_NPWP in errors
    assert not Grant.objects.exists()
