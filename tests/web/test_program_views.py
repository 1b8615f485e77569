"""Programme pages of the staff workspace: the form, the figures page and its
history. Who may open which page is in test_access.py."""

import datetime
import json
import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.utils import timezone

from grants.models import Grant, Program
from institutions.models import Regency, StaffProfile, Village
from tests.factories import (
    DisbursementFactory,
    GrantFactory,
    ProgramFactory,
    UserFactory,
)
from tests.web.pages import field_error, form_errors, page

pytestmark = pytest.mark.django_db

Status = Grant.Status
YEAR = timezone.localdate().year
REQUIRED = "Bidang ini tidak boleh kosong."


@pytest.fixture
def pimpinan(db):
    return UserFactory(username="pimpinan", first_name="Hamzah", role="Pimpinan")


@pytest.fixture
def pimpinan_client(client, pimpinan):
    client.force_login(pimpinan)
    return client


def form_data(**changes) -> dict:
    data = {
        "year": str(YEAR),
        "name": "Hibah Lembaga Keagamaan",
        "spending_type": "hibah",
        "eligible_kinds": ["wksbm", "lksa"],
        "budget_ceiling": "Rp 1.000.000.000",
        "checklist_text": "Proposal permohonan\r\nKTP ketua\r\n\r\n  SK pembentukan  \r\n",
        "decree_number": f"188.44/KEP/12/{YEAR}",
        "decree_date": f"05/01/{YEAR}",
        "lpj_due_date": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_programme_is_created_from_the_form(pimpinan_client, pimpinan):
    response = pimpinan_client.post("/program/baru/", form_data())

    program = Program.objects.get()
    assert response.status_code == 302
    assert response.url == f"/program/{program.pk}/"
    assert (program.year, program.name, program.spending_type) == (
        YEAR,
        "Hibah Lembaga Keagamaan",
        "hibah",
    )
    assert (
        program.covers_wksbm,
        program.covers_karang_taruna,
        program.covers_lksa,
    ) == (
        True,
        False,
        True,
    )
    assert program.budget_ceiling == 1_000_000_000
    assert program.checklist == ["Proposal permohonan", "KTP ketua", "SK pembentukan"]
    assert program.decree_date == datetime.date(YEAR, 1, 5)
    assert program.lpj_due_date == datetime.date(YEAR + 1, 1, 10)
    entry = LogEntry.objects.get(object_id=str(program.pk))
    assert (entry.user, entry.action_flag) == (pimpinan, ADDITION)
    detail = page(pimpinan_client.get(response.url))
    assert "Program dicatat." in detail
    assert "<dt>Untuk</dt><dd>WKSBM, LKSA</dd>" in detail
    assert f"<dt>Batas LPJ</dt><dd>10/01/{YEAR + 1}</dd>" in detail


def test_an_lpj_due_date_typed_in_is_kept(pimpinan_client):
    pimpinan_client.post("/program/baru/", form_data(lpj_due_date=f"31/03/{YEAR + 1}"))

    assert Program.objects.get().lpj_due_date == datetime.date(YEAR + 1, 3, 31)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"eligible_kinds": None}, "eligible_kinds", REQUIRED, id="no-kind"
        ),
        pytest.param(
            {"budget_ceiling": "Rp 0"},
            "budget_ceiling",
            "Nilai harus lebih dari nol.",
            id="zero-budget",
        ),
        pytest.param(
            {"budget_ceiling": "satu milyar"},
            "budget_ceiling",
            "Tulis nilai dalam rupiah penuh, misalnya 10.000.000 atau Rp10.000.000.",
            id="words-budget",
        ),
        pytest.param(
            {"checklist_text": "Proposal\nKTP ketua\n Proposal \n"},
            "checklist_text",
            "Ada dokumen yang tertulis dua kali.",
            id="duplicate-checklist",
        ),
        pytest.param(
            {"decree_date": f"01/13/{YEAR}"},
            "decree_date",
            "Masukkan tanggal yang valid.",
            id="month-first-date",
        ),
    ],
)
def test_an_invalid_programme_field_is_refused_with_its_message(
    pimpinan_client, changes, field, message
):
    data = form_data(**changes)

    response = pimpinan_client.post("/program/baru/", data)

    assert response.status_code == 400
    assert field_error(response, field) == [message]
    assert not Program.objects.exists()
    assert 'value="Hibah Lembaga Keagamaan"' in page(response)
    if field == "budget_ceiling":
        assert f'name="budget_ceiling" value="{data["budget_ceiling"]}"' in page(
            response
        )


def test_an_lpj_due_date_inside_the_programme_year_is_refused(pimpinan_client):
    response = pimpinan_client.post(
        "/program/baru/", form_data(lpj_due_date=f"31/12/{YEAR}")
    )

    assert response.status_code == 400
    assert form_errors(response) == [
        "Batas LPJ harus jatuh setelah tahun anggaran berakhir."
    ]
    assert not Program.objects.exists()


def test_a_second_programme_with_the_same_year_and_name_is_refused(pimpinan_client):
    ProgramFactory(year=YEAR, name="Hibah Lembaga Keagamaan")

    response = pimpinan_client.post("/program/baru/", form_data())

    assert response.status_code == 400
    assert len(form_errors(response)) == 1
    assert Program.objects.count() == 1
    other_year = form_data(year=str(YEAR + 1), decree_date=f"05/01/{YEAR + 1}")
    assert pimpinan_client.post("/program/baru/", other_year).status_code == 302


def test_a_second_programme_with_the_same_year_and_name_says_it_already_exists(
    pimpinan_client,
):
    ProgramFactory(year=YEAR, name="Hibah Lembaga Keagamaan")

    response = pimpinan_client.post("/program/baru/", form_data())

    [message] = form_errors(response)
    assert "sudah ada" in message
    assert "tidak ada" not in message


# The programme page -----------------------------------------------------------


def status_rows(response) -> dict[str, tuple[int, str]]:
    """Status label -> (count, total) from the table of grants by status."""
    rows = re.findall(
        r'<span class="badge [a-z_]+">([^<]+)</span></a></td>'
        r'<td class="num">(\d+)</td><td class="num">([^<]*)</td>',
        response.content.decode(),
    )
    return {label: (int(count), total) for label, count, total in rows}


def figures(response) -> dict[str, str]:
    section = page(response).split("Pagu dan realisasi", 1)[1].split("</dl>", 1)[0]
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", section))


@pytest.fixture
def programme(regions):
    program = ProgramFactory(year=YEAR, budget_ceiling=1_000_000_000)
    village = Village.objects.get(code="75.02.01.2004")
    for status, amount in [
        (Status.PROPOSED, 10_000_000),
        (Status.VERIFIED, 15_000_000),
        (Status.APPROVED, 20_000_000),
        (Status.REJECTED, 5_000_000),
    ]:
        GrantFactory(
            program=program,
            institution__village=village,
            status=status,
            amount=amount,
            decree_number="SK/1",
        )
    disbursed = GrantFactory(
        program=program, institution__village=village, disbursed=True, amount=25_000_000
    )
    DisbursementFactory(grant=disbursed, amount=25_000_000)
    return program


def test_the_programme_page_shows_ceiling_committed_and_disbursed_totals(
    client, programme
):
    client.force_login(UserFactory(role="Pengamat"))

    response = client.get(f"/program/{programme.pk}/")

    assert figures(response) == {
        "Pagu": "Rp1.000.000.000",
        "Disetujui": "Rp45.000.000",
        "Disalurkan": "Rp25.000.000",
        "Sisa pagu": "Rp955.000.000",
    }


def test_the_programme_page_counts_the_grants_in_each_status(client, programme):
    client.force_login(UserFactory(role="Pengamat"))

    rows = status_rows(client.get(f"/program/{programme.pk}/"))

    assert rows == {
        "Diusulkan": (1, "Rp10.000.000"),
        "Perlu perbaikan": (0, "Rp0"),
        "Terverifikasi": (1, "Rp15.000.000"),
        "Disetujui": (1, "Rp20.000.000"),
        "Disalurkan": (1, "Rp25.000.000"),
        "Wajib setor kembali": (0, "Rp0"),
        "Selesai": (0, "Rp0"),
        "Ditolak": (1, "Rp5.000.000"),
    }


def test_a_regency_limited_user_counts_their_area_against_the_whole_ceiling(
    client, programme
):
    GrantFactory(
        program=programme,
        institution__village=Village.objects.get(code="75.01.01.1001"),
        amount=7_000_000,
    )
    user = UserFactory(role="Pengamat")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )
    client.force_login(user)

    response = client.get(f"/program/{programme.pk}/")

    assert status_rows(response)["Diusulkan"] == (1, "Rp7.000.000")
    assert status_rows(response)["Disetujui"] == (0, "Rp0")
    assert figures(response)["Disetujui"] == "Rp45.000.000"


def test_a_grant_paid_in_two_instalments_counts_once_against_the_ceiling(
    client, regions
):
    program = ProgramFactory(year=YEAR, budget_ceiling=100_000_000)
    grant = GrantFactory(
        program=program,
        institution__village=Village.objects.get(code="75.02.01.2004"),
        approved=True,
        amount=20_000_000,
    )
    DisbursementFactory(grant=grant, amount=5_000_000, transfer_reference="TRF-1")
    DisbursementFactory(grant=grant, amount=5_000_000, transfer_reference="TRF-2")
    client.force_login(UserFactory(role="Pengamat"))

    response = client.get(f"/program/{program.pk}/")

    assert figures(response) == {
        "Pagu": "Rp100.000.000",
        "Disetujui": "Rp20.000.000",
        "Disalurkan": "Rp10.000.000",
        "Sisa pagu": "Rp80.000.000",
    }


def test_the_programme_list_shows_ceiling_committed_and_grant_count(client, programme):
    client.force_login(UserFactory(role="Pengamat"))

    response = client.get("/program/")

    row = (
        page(response).split(f'href="/program/{programme.pk}/"', 1)[1].split("</tr>")[0]
    )
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row)
    assert cells[:2] == ["Rp1.000.000.000", "Rp45.000.000"]
    assert f'?program={programme.pk}">5</a>' in cells[2]


# Editing ----------------------------------------------------------------------


def test_an_edit_records_which_fields_changed(pimpinan_client, pimpinan):
    pimpinan_client.post("/program/baru/", form_data())
    program = Program.objects.get()
    unchanged = form_data(
        checklist_text="Proposal permohonan\nKTP ketua\nSK pembentukan",
        lpj_due_date=f"10/01/{YEAR + 1}",
    )

    pimpinan_client.post(f"/program/{program.pk}/ubah/", unchanged)
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()

    response = pimpinan_client.post(
        f"/program/{program.pk}/ubah/",
        {**unchanged, "budget_ceiling": "1.250.000.000", "eligible_kinds": ["wksbm"]},
    )

    assert response.status_code == 302
    program.refresh_from_db()
    assert program.budget_ceiling == 1_250_000_000
    assert (program.covers_wksbm, program.covers_lksa) == (True, False)
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.user == pimpinan
    assert entry.object_id == str(program.pk)
    assert json.loads(entry.change_message) == [
        {"changed": {"fields": ["Jenis lembaga yang dapat dibantu", "Pagu anggaran"]}}
    ]


def test_saving_an_unchanged_programme_from_a_browser_writes_no_history(
    pimpinan_client,
):
    pimpinan_client.post("/program/baru/", form_data())
    program = Program.objects.get()
    as_a_browser_posts_it = form_data(
        checklist_text="Proposal permohonan\r\nKTP ketua\r\nSK pembentukan",
        lpj_due_date=f"10/01/{YEAR + 1}",
    )

    response = pimpinan_client.post(
        f"/program/{program.pk}/ubah/", as_a_browser_posts_it
    )

    assert response.status_code == 302
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()


def test_the_edit_form_shows_the_stored_programme(pimpinan_client):
    program = ProgramFactory(
        year=YEAR,
        budget_ceiling=750_000_000,
        covers_karang_taruna=False,
        checklist=["Proposal", "KTP ketua"],
    )

    form = page(pimpinan_client.get(f"/program/{program.pk}/ubah/"))

    assert 'name="budget_ceiling" value="750.000.000"' in form
    assert 'value="wksbm" id="id_eligible_kinds_0" checked' in form
    assert 'value="karang_taruna" id="id_eligible_kinds_1">' in form
    assert "Proposal\nKTP ketua</textarea>" in form
    assert f'name="lpj_due_date" value="10/01/{YEAR + 1}"' in form
