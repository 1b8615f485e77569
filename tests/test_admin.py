import csv
import datetime
import io
import json

import pytest
import tablib
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.backend import DatabaseBackend
from import_export.forms import SelectableFieldsExportForm

from common.models import DataAccessLog
from grants.models import (
    AccountabilityReport,
    Disbursement,
    EligibilityOverride,
    Grant,
    GrantEvent,
    Program,
)
from grants.services import MSG_CEILING_BELOW_COMMITTED
from imports.resources import GrantResource, InstitutionResource, ListCSV
from institutions.models import (
    BeneficiaryEnrollment,
    Institution,
    InstitutionChange,
    Regency,
    StaffProfile,
)
from institutions.services import save_institution
from reports.tasks import recount_year
from tests.factories import (
    BeneficiaryFactory,
    DisbursementFactory,
    GrantEventFactory,
    GrantFactory,
    ImportBatchFactory,
    InstitutionFactory,
    LpjEvidenceFactory,
    LpjItemReviewFactory,
    LpjReminderFactory,
    LpjRoundFactory,
    ParticipantFactory,
    ProgramFactory,
    RegencyFactory,
    SpeakerFactory,
    TrainingEventFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

# Read at collection time, so a model registered later is covered without
# touching this file.
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)

OUR_MODELS = {
    "institutions.Regency",
    "institutions.District",
    "institutions.Village",
    "institutions.Institution",
    "institutions.InstitutionChange",
    "institutions.Beneficiary",
    "institutions.BeneficiaryEnrollment",
    "institutions.TrainingEvent",
    "institutions.Speaker",
    "institutions.Participant",
    "institutions.StaffProfile",
    "grants.Program",
    "grants.Grant",
    "grants.GrantEvent",
    "grants.Disbursement",
    "grants.AccountabilityReport",
}


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def csv_format(model, *, export: bool = False) -> str:
    """The value the admin's format select posts for CSV."""
    model_admin = admin.site._registry[model]
    formats = (
        model_admin.get_export_formats() if export else model_admin.get_import_formats()
    )
    return str(formats.index(ListCSV))


def request_for(rf, user, path: str = "/"):
    request = rf.get(path)
    request.user = user
    return request


@pytest.fixture
def one_of_each(admin_user):
    """A row in every table the admin shows, linked the way real data is."""
    grant = GrantFactory(
        disbursed=True,
        proposed_by=admin_user,
        checklist_results={"Proposal": {"ok": True, "note": "asli"}},
    )
    institution = grant.institution
    village = institution.village
    GrantEventFactory(grant=grant, actor=admin_user)
    DisbursementFactory(grant=grant, transfer_reference="TRF-0001")
    report = AccountabilityReport.objects.create(
        grant=grant,
        submitted_on=datetime.date(2025, 1, 6),
        amount_spent=grant.amount,
        round=1,
    )
    LpjItemReviewFactory(round=LpjRoundFactory(report=report))
    LpjEvidenceFactory(report=report)
    LpjReminderFactory(grant=grant)
    EligibilityOverride.objects.create(
        program=grant.program,
        institution=institution,
        reason="Dokumen domisili sedang diperbarui.",
        problems=["Dokumen Surat keterangan domisili belum ada."],
        granted_by=admin_user,
    )
    beneficiary = BeneficiaryFactory(village=village)
    BeneficiaryEnrollment.objects.create(
        beneficiary=beneficiary, institution=institution, year=2024
    )
    event = TrainingEventFactory(regency=village.district.regency)
    SpeakerFactory(event=event)
    ParticipantFactory(event=event, institution=institution)
    profile = StaffProfile.objects.create(user=admin_user)
    profile.regencies.add(village.district.regency)
    ImportBatchFactory(created_by=admin_user)
    institution.account_number = "7770001112"
    save_institution(institution, by=admin_user, source=InstitutionChange.Source.ADMIN)
    DataAccessLog.objects.create(
        user=admin_user, action=DataAccessLog.Action.EXPORT, what="Ekspor lembaga"
    )
    # A report recount waiting in the database backend's queue.
    DatabaseBackend("default", {}).enqueue(recount_year, [2024], {})
    # Unconfirmed: a confirmed device would send the admin to the code step.
    TOTPDevice.objects.create(user=admin_user, name="ponsel", confirmed=False)
    return grant


def test_every_model_of_the_apps_is_registered():
    registered = {model._meta.label for model in REGISTERED}
    assert registered >= OUR_MODELS


@pytest.mark.parametrize(
    "model", REGISTERED, ids=[model._meta.label_lower for model in REGISTERED]
)
def test_changelist_add_and_change_pages_answer(
    model, one_of_each, admin_client, admin_user, rf
):
    model_admin = admin.site._registry[model]
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200

    can_add = model_admin.has_add_permission(request_for(rf, admin_user))
    response = admin_client.get(admin_url(model, "add"))
    assert response.status_code == (200 if can_add else 403)

    obj = model._default_manager.first()
    assert obj is not None, f"one_of_each makes no {model._meta.label}"
    response = admin_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model", REGISTERED, ids=[model._meta.label_lower for model in REGISTERED]
)
def test_every_filter_choice_answers(model, one_of_each, admin_client, admin_user, rf):
    model_admin = admin.site._registry[model]
    url = admin_url(model, "changelist")
    changelist = model_admin.get_changelist_instance(request_for(rf, admin_user, url))
    query_strings = {
        choice["query_string"]
        for spec in changelist.filter_specs
        for choice in spec.choices(changelist)
    }
    assert query_strings or not model_admin.list_filter
    for query_string in sorted(query_strings):
        response = admin_client.get(url + query_string)
        # An invalid lookup redirects to `?e=1` rather than failing.
        assert response.status_code == 200, query_string


@pytest.mark.parametrize(
    "model",
    [model for model in REGISTERED if admin.site._registry[model].search_fields],
    ids=lambda model: model._meta.label_lower,
)
def test_search_answers(model, one_of_each, admin_client):
    response = admin_client.get(admin_url(model, "changelist"), {"q": "Uji 75"})
    assert response.status_code == 200


def test_regency_filter_lists_the_six_regencies(regions, admin_client):
    response = admin_client.get(admin_url(Institution, "changelist"))
    spec = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", "") == "regency"
    )
    assert [code for code, _name in spec.lookup_choices] == [
        "75.01",
        "75.02",
        "75.03",
        "75.04",
        "75.05",
        "75.71",
    ]


def test_regency_filter_keeps_only_that_regencys_grants(admin_client):
    here, elsewhere = GrantFactory(), GrantFactory()
    regency = here.institution.village.district.regency
    response = admin_client.get(
        admin_url(Grant, "changelist"), {"regency": regency.code}
    )
    assert list(response.context["cl"].result_list) == [here]
    assert elsewhere.institution.name not in response.text


def test_search_finds_an_institution_by_name(admin_client):
    wanted = InstitutionFactory(name="Majelis Taklim Nurul Huda")
    other = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")
    response = admin_client.get(admin_url(Institution, "changelist"), {"q": "huda"})
    assert list(response.context["cl"].result_list) == [wanted]
    assert other.name not in response.text


def test_region_search_finds_a_village_by_code(admin_client):
    village = VillageFactory()
    VillageFactory()
    response = admin_client.get(admin_url(village, "changelist"), {"q": village.code})
    assert list(response.context["cl"].result_list) == [village]


def test_grant_changelist_shows_money_as_rupiah(admin_client):
    GrantFactory(amount=10_000_000)
    response = admin_client.get(admin_url(Grant, "changelist"))
    assert "Rp10.000.000" in response.text


@pytest.mark.parametrize("model", [Grant, Institution])
def test_changelist_queries_do_not_grow_with_rows(
    model, admin_client, django_assert_max_num_queries
):
    GrantFactory.create_batch(30)
    # Session, user, count, rows and the filters' own lookups: a query per
    # row for the program, village, district or regency would add 30 or more.
    with django_assert_max_num_queries(12):
        response = admin_client.get(admin_url(model, "changelist"))
    assert len(response.context["cl"].result_list) == 30


# Regions and the audit trail are read-only -------------------------------------


@pytest.mark.parametrize("model_name", ["regency", "district", "village"])
def test_regions_are_viewable_but_not_editable(model_name, admin_client):
    village = VillageFactory()
    obj = {
        "regency": village.district.regency,
        "district": village.district,
        "village": village,
    }[model_name]
    assert admin_client.get(admin_url(obj, "change", obj.pk)).status_code == 200
    assert admin_client.get(admin_url(obj, "add")).status_code == 403
    response = admin_client.post(admin_url(obj, "change", obj.pk), {"name": "Salah"})
    assert response.status_code == 403
    assert admin_client.get(admin_url(obj, "delete", obj.pk)).status_code == 403
    obj.refresh_from_db()
    assert obj.name != "Salah"


def test_grant_event_admin_refuses_add_change_and_delete(admin_client, admin_user):
    event = GrantEventFactory(actor=admin_user, note="asli")
    assert admin_client.get(admin_url(GrantEvent, "add")).status_code == 403
    response = admin_client.post(
        admin_url(GrantEvent, "change", event.pk), {"note": "diubah"}
    )
    assert response.status_code == 403
    assert (
        admin_client.get(admin_url(GrantEvent, "delete", event.pk)).status_code == 403
    )
    admin_client.post(
        admin_url(GrantEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert GrantEvent.objects.filter(pk=event.pk, note="asli").exists()


def test_grant_event_admin_offers_no_delete_action(admin_client, admin_user):
    GrantEventFactory(actor=admin_user)
    response = admin_client.get(admin_url(GrantEvent, "changelist"))
    assert "delete_selected" not in response.text


# Grants: status only through the workflow -------------------------------------


def change_form_data(response) -> dict:
    """What a browser would post back from an admin change page."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        data[name] = field.widget.format_value(value) if name == "amount" else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
    return data


def grant_state(grant: Grant) -> dict:
    grant.refresh_from_db()
    return {
        field.name: getattr(grant, field.name)
        for field in Grant._meta.fields
        if field.name != "updated_at"
    } | {"events": grant.events.count(), "disbursements": grant.disbursements.count()}


def test_grant_status_is_read_only_in_the_change_form(admin_client, admin_user):
    grant = GrantFactory(proposed_by=admin_user)
    url = admin_url(Grant, "change", grant.pk)
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "status" not in response.context["adminform"].form.fields
    assert "proposed_by" not in response.context["adminform"].form.fields
    assert 'name="_save"' not in response.text
    before = grant_state(grant)
    data = change_form_data(response)
    data.update(status=Grant.Status.CLOSED, purpose="Pengadaan tenda")
    response = admin_client.post(url, data)
    # The grant changes only through the workflow: its page in the admin saves nothing.
    assert response.status_code == 403
    assert grant_state(grant) == before


def test_an_approved_grants_amount_cannot_be_changed_in_the_admin(admin_client):
    grant = GrantFactory(approved=True, amount=10_000_000)
    url = admin_url(Grant, "change", grant.pk)
    response = admin_client.get(url)
    assert "amount" not in response.context["adminform"].form.fields
    assert "Rp10.000.000" in response.text
    before = grant_state(grant)
    data = change_form_data(response)
    data.update(amount="99.000.000", nphd_number="NPHD/7/2024")
    response = admin_client.post(url, data)
    # The amount changes by revision, the NPHD on the grant page.
    assert response.status_code == 403
    assert grant_state(grant) == before
    assert (grant.amount, grant.nphd_number) == (10_000_000, "NPHD/UJI/1")


def test_adding_a_grant_in_the_admin_proposes_it(admin_client, admin_user):
    program, institution = ProgramFactory(), InstitutionFactory()
    response = admin_client.post(
        admin_url(Grant, "add"),
        {
            "program": program.pk,
            "institution": institution.pk,
            "amount": "Rp15.000.000",
            "purpose": "Pengadaan kursi",
            "status": Grant.Status.APPROVED,
        },
    )
    assert response.status_code == 302
    grant = Grant.objects.get(program=program, institution=institution)
    assert grant.amount == 15_000_000
    assert grant.status == Grant.Status.PROPOSED
    assert grant.proposed_by == admin_user
    event = grant.events.get()
    assert (event.from_status, event.to_status) == ("", Grant.Status.PROPOSED)


def test_adding_a_grant_for_an_ineligible_institution_is_refused(admin_client):
    program = ProgramFactory(covers_lksa=False)
    institution = InstitutionFactory(lksa=True)
    response = admin_client.post(
        admin_url(Grant, "add"),
        {"program": program.pk, "institution": institution.pk, "amount": "1.000.000"},
    )
    assert response.status_code == 200
    assert "tidak mencakup" in str(
        response.context["adminform"].form.non_field_errors()
    )
    assert not Grant.objects.exists()


def test_institution_page_lists_its_grants_read_only_with_a_link(admin_client):
    grant = GrantFactory(amount=25_000_000)
    response = admin_client.get(admin_url(Institution, "change", grant.institution.pk))
    assert response.status_code == 200
    assert admin_url(Grant, "change", grant.pk) in response.text
    assert "Rp25.000.000" in response.text
    inline = response.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission
    assert not inline.has_delete_permission


def test_grant_page_shows_its_events_and_disbursements(admin_client, admin_user):
    disbursement = DisbursementFactory(transfer_reference="TRF-4455")
    GrantEventFactory(grant=disbursement.grant, actor=admin_user, note="Usulan baru")
    response = admin_client.get(admin_url(Grant, "change", disbursement.grant.pk))
    assert "TRF-4455" in response.text
    assert "Usulan baru" in response.text


def test_a_disbursement_on_record_is_never_added_changed_or_deleted_here(
    admin_client,
):
    disbursement = DisbursementFactory(transfer_reference="TRF-0001")
    url = admin_url(Disbursement, "change", disbursement.pk)
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    assert admin_client.get(admin_url(Disbursement, "add")).status_code == 403
    response = admin_client.post(
        url, {"amount": "1", "paid_on": "01/01/2000", "transfer_reference": "X"}
    )
    assert response.status_code == 403
    assert (
        admin_client.get(admin_url(Disbursement, "delete", disbursement.pk)).status_code
        == 403
    )
    changed = Disbursement.objects.get(pk=disbursement.pk)
    assert (changed.amount, changed.paid_on, changed.transfer_reference) == (
        disbursement.amount,
        disbursement.paid_on,
        "TRF-0001",
    )


# Programmes: province-wide, never below what they commit ----------------------


def program_form(program: Program, **changes) -> dict:
    """What a browser posts from the programme's admin page."""
    data = {
        "year": str(program.year),
        "name": program.name,
        "spending_type": program.spending_type,
        "budget_ceiling": str(program.budget_ceiling),
        "covers_wksbm": "on",
        "covers_karang_taruna": "on",
        "covers_lksa": "on",
        "decree_number": program.decree_number,
        "decree_date": "",
        "lpj_due_date": program.lpj_due_date.strftime("%d/%m/%Y"),
        "checklist": json.dumps(program.checklist),
    }
    return data | changes


@pytest.fixture
def staff_pimpinan(db):
    return UserFactory(username="pimpinan_staf", role="Pimpinan", is_staff=True)


def test_a_regency_limited_pimpinan_only_reads_programmes_in_the_admin(
    client, staff_pimpinan
):
    StaffProfile.objects.create(user=staff_pimpinan).regencies.add(RegencyFactory())
    program = ProgramFactory(budget_ceiling=500_000_000)
    client.force_login(staff_pimpinan)
    url = admin_url(Program, "change", program.pk)

    assert client.get(admin_url(Program, "changelist")).status_code == 200
    assert client.get(admin_url(Program, "add")).status_code == 403
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    response = client.post(url, program_form(program, budget_ceiling="900.000.000"))

    assert response.status_code == 403
    program.refresh_from_db()
    assert program.budget_ceiling == 500_000_000
    assert not LogEntry.objects.filter(object_id=str(program.pk)).exists()


def test_a_province_wide_pimpinan_changes_a_programme_in_the_admin(
    client, staff_pimpinan
):
    program = ProgramFactory(budget_ceiling=500_000_000)
    client.force_login(staff_pimpinan)

    response = client.post(
        admin_url(Program, "change", program.pk),
        program_form(program, budget_ceiling="Rp900.000.000"),
    )

    assert response.status_code == 302
    program.refresh_from_db()
    assert program.budget_ceiling == 900_000_000
    entry = LogEntry.objects.get(object_id=str(program.pk))
    assert (entry.user, entry.action_flag) == (staff_pimpinan, CHANGE)


def test_the_admin_refuses_a_ceiling_below_what_the_programme_committed(
    admin_client,
):
    program = ProgramFactory(budget_ceiling=100_000_000)
    GrantFactory(program=program, approved=True, amount=20_000_000)
    GrantFactory(program=program, amount=50_000_000)  # proposed: not committed

    response = admin_client.post(
        admin_url(Program, "change", program.pk),
        program_form(program, budget_ceiling="15.000.000"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["budget_ceiling"] == [
        MSG_CEILING_BELOW_COMMITTED
        % {"ceiling": "Rp15.000.000", "committed": "Rp20.000.000"}
    ]
    program.refresh_from_db()
    assert program.budget_ceiling == 100_000_000


# Institutions: identity and bank history ------------------------------------------


def test_the_identity_history_is_listed_and_read_only(admin_client, admin_user):
    institution = InstitutionFactory(npwp="012345678901000")
    institution.npwp = "098765432109000"
    [change] = save_institution(institution, by=admin_user)
    url = admin_url(InstitutionChange, "change", change.pk)

    listing = admin_client.get(admin_url(InstitutionChange, "changelist"))
    assert listing.status_code == 200
    assert "098765432109000" in listing.text
    assert "delete_selected" not in listing.text
    assert admin_client.get(admin_url(InstitutionChange, "add")).status_code == 403
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"new_value": "palsu"}).status_code == 403
    assert (
        admin_client.get(admin_url(InstitutionChange, "delete", change.pk)).status_code
        == 403
    )
    change = InstitutionChange.objects.get(pk=change.pk)
    assert (change.old_value, change.new_value) == (
        "012345678901000",
        "098765432109000",
    )


def test_changing_an_account_in_the_admin_keeps_the_old_one_and_holds_payment(
    admin_client, admin_user
):
    grant = GrantFactory(approved=True)
    institution = grant.institution
    old_number = institution.account_number
    url = admin_url(Institution, "change", institution.pk)
    data = change_form_data(admin_client.get(url))
    data.update(account_number="7770001112", account_holder="Bendahara Lembaga")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    rows = InstitutionChange.objects.filter(institution=institution)
    assert set(
        rows.values_list("field", "old_value", "new_value", "source", "changed_by")
    ) == {
        (
            "account_number",
            old_number,
            "7770001112",
            InstitutionChange.Source.ADMIN,
            admin_user.pk,
        ),
        (
            "account_holder",
            institution.name,
            "Bendahara Lembaga",
            InstitutionChange.Source.ADMIN,
            admin_user.pk,
        ),
    }
    grant.refresh_from_db()
    assert grant.bank_change_pending
    assert grant.events.get().kind == GrantEvent.Kind.BANK_CHANGED
    page = admin_client.get(url).text
    assert "<label>Riwayat identitas dan rekening:</label>" in page
    assert f"{old_number} &rarr; 7770001112" in page


def test_the_institution_list_shows_a_sortable_regency_column(admin_client):
    InstitutionFactory()
    response = admin_client.get(admin_url(Institution, "changelist"))
    header = response.text.split('class="sortable column-regency', 1)[1]
    assert "Kabupaten/kota</a>" in header.split("</th>", 1)[0]


# Institutions: the admin form reports a duplicate ----------------------------


def test_a_duplicate_institution_name_is_a_form_error(admin_client):
    existing = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")
    response = admin_client.post(
        admin_url(Institution, "add"),
        {
            "kind": Institution.Kind.WKSBM,
            "wksbm_type": Institution.WksbmType.MAJELIS_TAKLIM,
            "name": "MAJELIS TAKLIM AL IKHLAS",
            "village": existing.village.pk,
            "active": "on",
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "sudah ada" in str(response.context["adminform"].form.non_field_errors())
    assert Institution.objects.count() == 1


def test_adding_an_institution_records_who_added_it(admin_client, admin_user):
    village = VillageFactory()
    response = admin_client.post(
        admin_url(Institution, "add"),
        {
            "kind": Institution.Kind.KARANG_TARUNA,
            "name": "Karang Taruna Tunas Harapan",
            "village": village.pk,
            "active": "on",
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Institution.objects.get().created_by == admin_user


# Import and export ---------------------------------------------------------------
# The admin's buttons read and write the import page's columns and go through
# the same importer (imports); these tests check the wiring.


@pytest.mark.parametrize("model", [Institution, Grant])
@pytest.mark.parametrize("view", ["import", "export"])
def test_import_and_export_pages_answer(model, view, admin_client):
    assert admin_client.get(admin_url(model, view)).status_code == 200


def export_csv(admin_client, model, resource_class) -> list[dict]:
    data = {"format": csv_format(model, export=True), "resource": "0"}
    for name in resource_class().get_export_order():
        field = SelectableFieldsExportForm.create_boolean_field_name(
            resource_class, name
        )
        data[field] = "on"
    response = admin_client.post(admin_url(model, "export"), data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_grant_export_as_csv_has_the_institution_and_status(admin_client):
    grant = GrantFactory(approved=True, institution__name="Rukun Duka Sejahtera")
    [row] = export_csv(admin_client, Grant, GrantResource)
    assert row["nama_lembaga"] == "Rukun Duka Sejahtera"
    assert row["status"] == "disetujui"
    assert row["nilai_bantuan"] == str(grant.amount)
    assert row["tahun"] == str(grant.program.year)


def test_export_neutralises_spreadsheet_formulas(admin_client):
    InstitutionFactory(name='=HYPERLINK("http://x")', phone="+62 812 3456 7890")
    [row] = export_csv(admin_client, Institution, InstitutionResource)
    assert row["nama_lembaga"] == """'=HYPERLINK("http://x")"""
    assert row["telepon"] == "'+62 812 3456 7890"


def post_import(admin_client, model, name: str, text: str):
    return admin_client.post(
        admin_url(model, "import"),
        {
            "resource": "0",
            "format": csv_format(model),
            "import_file": SimpleUploadedFile(name, text.encode("utf-8-sig")),
        },
    )


def test_admin_import_of_institutions_dry_runs_then_creates(admin_client, admin_user):
    village = VillageFactory()
    response = post_import(
        admin_client,
        Institution,
        "lembaga.csv",
        "jenis_lembaga;jenis_wksbm;nama_lembaga;kode_desa;ketua;telepon\n"
        f"WKSBM;Majelis Taklim;Majelis Taklim Nurul Iman;{village.code};"
        "Ibu Rahma;0812 3456 7890\n",
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert not Institution.objects.exists(), "the first step only dry-runs"

    confirm = response.context["confirm_form"]
    response = admin_client.post(
        admin_url(Institution, "process_import"), confirm.initial
    )
    assert response.status_code == 302
    institution = Institution.objects.get()
    assert institution.name == "Majelis Taklim Nurul Iman"
    assert institution.wksbm_type == Institution.WksbmType.MAJELIS_TAKLIM
    assert institution.village == village
    assert institution.leader_name == "Ibu Rahma"
    assert institution.created_by == admin_user
    assert institution.import_batch.created_by == admin_user


def test_admin_import_of_grants_proposes_them_on_confirm(admin_client, admin_user):
    program, institution = ProgramFactory(), InstitutionFactory()
    response = post_import(
        admin_client,
        Grant,
        "usulan.csv",
        "tahun,program,jenis_lembaga,nama_lembaga,kode_desa,nilai_bantuan\n"
        f"{program.year},{program.name},WKSBM,{institution.name},"
        f'{institution.village.code},"Rp 12.500.000"\n',
    )
    assert response.status_code == 200
    assert "confirm_form" in response.context, response.context["result"].invalid_rows
    assert not Grant.objects.exists()
    assert not GrantEvent.objects.exists()

    response = admin_client.post(
        admin_url(Grant, "process_import"), response.context["confirm_form"].initial
    )
    assert response.status_code == 302
    grant = Grant.objects.get()
    assert (grant.amount, grant.status) == (12_500_000, Grant.Status.PROPOSED)
    assert (grant.proposed_by, grant.content_changed_by) == (admin_user, admin_user)
    assert grant.events.get().actor == admin_user


def test_admin_import_shows_an_unknown_village_code_as_a_row_error(admin_client):
    response = post_import(
        admin_client,
        Institution,
        "lembaga.csv",
        "jenis_lembaga;nama_lembaga;kode_desa\nWKSBM;Paguyuban Uji;75.99.99.9999\n",
    )
    assert response.status_code == 200
    assert response.context["result"].has_validation_errors()
    assert "75.99.99.9999" in response.text
    assert "confirm_form" not in response.context


def test_admin_import_refuses_an_image_by_its_content(admin_client):
    response = admin_client.post(
        admin_url(Institution, "import"),
        {
            "resource": "0",
            "format": csv_format(Institution),
            "import_file": SimpleUploadedFile("lembaga.csv", b"\x89PNG\r\n\x1a\n\0\0"),
        },
    )
    assert response.context["result"].has_errors()
    assert "bukan CSV atau Excel" in response.text


def import_rows(resource_class, rows: list[dict], user):
    dataset = tablib.Dataset(headers=list(rows[0]))
    for row in rows:
        dataset.append(list(row.values()))
    return resource_class().import_data(dataset, dry_run=False, user=user)


def test_institution_import_matches_on_the_normalised_name(admin_user):
    existing = InstitutionFactory(name="Majelis Taklim Al-Ikhlas", leader_name="Lama")
    result = import_rows(
        InstitutionResource,
        [
            {
                "jenis_lembaga": "Majelis Taklim",
                "nama_lembaga": "MAJELIS TAKLIM AL IKHLAS",
                "kode_desa": existing.village.code,
                "ketua": "Baru",
            }
        ],
        admin_user,
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 1
    assert Institution.objects.count() == 1
    existing.refresh_from_db()
    assert existing.leader_name == "Baru"


def test_institution_import_reads_dates_day_first(admin_user):
    village = VillageFactory()
    import_rows(
        InstitutionResource,
        [
            {
                "jenis_lembaga": "LKSA",
                "nama_lembaga": "LKSA Harapan Bunda",
                "kode_desa": village.code,
                "nomor_izin": "IZN/1/2024",
                "izin_berlaku_sampai": "05/03/2029",
            }
        ],
        admin_user,
    )
    assert Institution.objects.get().permit_expires_on == datetime.date(2029, 3, 5)


def test_a_second_karang_taruna_in_a_village_refuses_the_whole_file(admin_user):
    village = VillageFactory()
    result = import_rows(
        InstitutionResource,
        [
            {
                "jenis_lembaga": "Karang Taruna",
                "nama_lembaga": "Karang Taruna",
                "kode_desa": village.code,
            },
            {
                "jenis_lembaga": "KT",
                "nama_lembaga": "Karang Taruna Dua",
                "kode_desa": village.code,
            },
        ],
        admin_user,
    )
    [invalid] = result.invalid_rows
    assert invalid.number == 3  # the spreadsheet row, under the header row
    assert "sudah memiliki Karang Taruna" in str(invalid.error_dict)
    assert not Institution.objects.exists()


def test_an_exported_institution_imports_back_unchanged(admin_user):
    institution = InstitutionFactory(phone="+62 812 3456 7890")
    dataset = InstitutionResource().export(Institution.objects.all())
    result = InstitutionResource().import_data(dataset, dry_run=False, user=admin_user)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 1
    institution.refresh_from_db()
    assert institution.phone == "+62 812 3456 7890"


def grant_row(program, institution, **values) -> dict:
    return {
        "tahun": program.year,
        "program": program.name,
        "jenis_lembaga": institution.kind,
        "nama_lembaga": institution.name,
        "kode_desa": institution.village.code,
        "nilai_bantuan": "Rp 15.000.000",
        **values,
    }


def test_grant_import_proposes_and_records_who(admin_user):
    program, institution = ProgramFactory(), InstitutionFactory()
    result = import_rows(
        GrantResource,
        [grant_row(program, institution, peruntukan="Pengadaan tenda")],
        admin_user,
    )
    assert not result.has_errors() and not result.has_validation_errors()
    grant = Grant.objects.get()
    assert grant.status == Grant.Status.PROPOSED
    assert grant.decree_number == ""
    assert (grant.amount, grant.purpose) == (15_000_000, "Pengadaan tenda")
    assert grant.proposed_by == admin_user
    assert grant.events.get().to_status == Grant.Status.PROPOSED
    assert grant.import_batch.created_by == admin_user


def test_grant_import_never_approves(admin_user):
    program, institution = ProgramFactory(), InstitutionFactory()
    result = import_rows(
        GrantResource,
        [grant_row(program, institution, status="disetujui", nomor_sk="SK/PALSU/1")],
        admin_user,
    )
    assert result.has_validation_errors()
    assert not Grant.objects.exists()


def test_grant_import_refuses_an_ineligible_institution(admin_user):
    program = ProgramFactory()
    institution = InstitutionFactory(active=False)
    result = import_rows(GrantResource, [grant_row(program, institution)], admin_user)
    assert result.has_validation_errors()
    assert not Grant.objects.exists()


def test_grant_import_cannot_change_an_approved_amount(admin_user):
    grant = GrantFactory(approved=True, amount=10_000_000)
    result = import_rows(
        GrantResource,
        [grant_row(grant.program, grant.institution, nilai_bantuan="20.000.000")],
        admin_user,
    )
    assert result.has_validation_errors()
    grant.refresh_from_db()
    assert grant.amount == 10_000_000


def test_staff_profile_lists_regencies(admin_client, admin_user):
    profile = StaffProfile.objects.create(user=admin_user)
    profile.regencies.add(
        Regency.objects.create(code="75.01", name="Kab. Uji", kind="kabupaten")
    )
    response = admin_client.get(admin_url(StaffProfile, "changelist"))
    assert "Kab. Uji" in response.text
