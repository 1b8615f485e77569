"""A Bimtek's papers: attendance sheet, participant lists, certificates, and the
regency scope on its participants."""

import csv
import datetime
import io

import pytest
from django.db import IntegrityError
from openpyxl import load_workbook

from common.models import DataAccessLog
from institutions.models import (
    VERIFICATION_CODE_ALPHABET,
    VERIFICATION_CODE_LENGTH,
    Participant,
    Regency,
    StaffProfile,
    TrainingEvent,
    Village,
)
from tests.factories import (
    InstitutionFactory,
    ParticipantFactory,
    SpeakerFactory,
    TrainingEventFactory,
    UserFactory,
)

from .pdf_text import pdf_text

pytestmark = pytest.mark.django_db

BOALEMO = "75.02"


@pytest.fixture
def weasyprint():
    try:
        import weasyprint
    except OSError as error:  # Pango is a system library WeasyPrint loads at import
        pytest.skip(
            f"WeasyPrint cannot load Pango ({error}); apt-get install libpango-1.0-0"
        )
    return weasyprint


@pytest.fixture
def bimtek(regions):
    """A Boalemo Bimtek with one participant from Boalemo and one from the city."""
    event = TrainingEventFactory(
        title="Bimtek Peningkatan Kapasitas WKSBM",
        regency=Regency.objects.get(code=BOALEMO),
        start_date=datetime.date(2024, 8, 1),
        end_date=datetime.date(2024, 8, 2),
        venue="Villa Kencana",
    )
    SpeakerFactory(event=event, name="Nur Eka Prasetyo")
    here = InstitutionFactory(
        village=Village.objects.get(code="75.02.01.2004"),
        name="Majelis Taklim Nurul Iman",
    )
    elsewhere = InstitutionFactory(
        village=Village.objects.get(code="75.71.01.1001"),
        name="Rukun Duka Kota Selatan",
    )
    ParticipantFactory(event=event, institution=here, person_name="Hj. Fatma Ali")
    ParticipantFactory(
        event=event,
        institution=elsewhere,
        person_name='=HYPERLINK("http://x")',
        role=Participant.Role.SECRETARY,
    )
    return event


@pytest.fixture
def operator_client(client, regions):
    client.force_login(UserFactory(username="operator", role="Operator"))
    return client


@pytest.fixture
def boalemo_client(client, regions):
    user = UserFactory(username="operator_boalemo", role="Operator")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code=BOALEMO)
    )
    client.force_login(user)
    return client


def other_regency_participant(event: TrainingEvent) -> Participant:
    return event.participants.exclude(
        institution__village__district__regency_id=BOALEMO
    ).get()


# Attendance sheet ------------------------------------------------------------


def test_the_attendance_sheet_is_a_pdf_naming_the_event_participants_and_speakers(
    bimtek, operator_client, weasyprint
):
    response = operator_client.get(f"/bimtek/{bimtek.pk}/daftar-hadir/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "PEMERINTAH PROVINSI GORONTALO" in text
    assert "DAFTAR HADIR PESERTA" in text
    assert "Bimtek Peningkatan Kapasitas WKSBM" in text
    assert "01/08/2024 - 02/08/2024" in text
    assert "Villa Kencana" in text
    assert "Hj. Fatma Ali" in text
    assert "Rukun Duka Kota Selatan" in text
    assert "Nur Eka Prasetyo" in text
    assert "Tanda tangan" in text
    [entry] = DataAccessLog.objects.all()
    assert (entry.action, entry.rows) == (DataAccessLog.Action.EXPORT, 2)


def test_a_regency_limited_user_prints_only_their_regencys_participants(
    bimtek, boalemo_client, weasyprint
):
    response = boalemo_client.get(f"/bimtek/{bimtek.pk}/daftar-hadir/")
    text = pdf_text(response.content)
    assert "Hj. Fatma Ali" in text
    assert "Rukun Duka Kota Selatan" not in text


def test_the_attendance_sheet_of_an_event_elsewhere_is_not_found(
    boalemo_client, weasyprint
):
    event = TrainingEventFactory(regency=Regency.objects.get(code="75.71"))
    response = boalemo_client.get(f"/bimtek/{event.pk}/daftar-hadir/")
    assert response.status_code == 404


def test_documents_need_a_login_and_the_role(bimtek, client):
    for url in (
        f"/bimtek/{bimtek.pk}/daftar-hadir/",
        f"/bimtek/{bimtek.pk}/peserta.csv",
        f"/bimtek/{bimtek.pk}/peserta.xlsx",
    ):
        assert client.get(url).status_code == 302
    client.force_login(UserFactory(username="tanpa_peran"))
    for url in (
        f"/bimtek/{bimtek.pk}/daftar-hadir/",
        f"/bimtek/{bimtek.pk}/peserta.csv",
    ):
        assert client.get(url).status_code == 403


# Participant lists ----------------------------------------------------------------


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    assert b"\r\n" in content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_participants_download_as_csv_with_formulas_kept_as_text(
    bimtek, operator_client
):
    response = operator_client.get(f"/bimtek/{bimtek.pk}/peserta.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response.content)
    assert rows[0] == [
        "No.",
        "Nama peserta",
        "Jabatan di lembaga",
        "Lembaga",
        "Desa/kelurahan",
        "Kecamatan",
        "Kabupaten/kota",
    ]
    assert rows[1][:4] == ["1", "Hj. Fatma Ali", "Ketua", "Majelis Taklim Nurul Iman"]
    assert rows[1][6] == "Kabupaten Boalemo"
    assert rows[2][1] == '\'=HYPERLINK("http://x")'
    [entry] = DataAccessLog.objects.all()
    assert (entry.action, entry.rows) == (DataAccessLog.Action.EXPORT, 2)
    assert "CSV" in entry.what


def test_participants_download_as_excel_with_text_cells(bimtek, operator_client):
    response = operator_client.get(f"/bimtek/{bimtek.pk}/peserta.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["No.", "Nama peserta"]
    assert rows[1][:4] == [1, "Hj. Fatma Ali", "Ketua", "Majelis Taklim Nurul Iman"]
    formula_like = sheet.cell(row=3, column=2)
    assert formula_like.value == '=HYPERLINK("http://x")'
    assert formula_like.data_type == "s"


def test_a_regency_limited_user_downloads_only_their_participants(
    bimtek, boalemo_client
):
    rows = read_csv(boalemo_client.get(f"/bimtek/{bimtek.pk}/peserta.csv").content)
    assert [row[1] for row in rows[1:]] == ["Hj. Fatma Ali"]
    response = boalemo_client.get(f"/bimtek/{bimtek.pk}/peserta.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == ["Hj. Fatma Ali"]


# Regency scope on the pages and actions ---------------------------------------------


def test_a_regency_limited_user_sees_only_their_participants_on_the_pages(
    bimtek, boalemo_client
):
    for url in (f"/bimtek/{bimtek.pk}/", f"/bimtek/{bimtek.pk}/peserta/"):
        html = boalemo_client.get(url).content.decode()
        assert "Hj. Fatma Ali" in html
        assert "Rukun Duka Kota Selatan" not in html


def test_a_province_wide_user_sees_every_participant(bimtek, operator_client):
    html = operator_client.get(f"/bimtek/{bimtek.pk}/").content.decode()
    assert "Hj. Fatma Ali" in html
    assert "Rukun Duka Kota Selatan" in html


def test_a_regency_limited_user_cannot_reach_other_regencies_participants(
    bimtek, boalemo_client
):
    other = other_regency_participant(bimtek)
    base = f"/bimtek/{bimtek.pk}/peserta/{other.pk}"
    assert boalemo_client.get(f"{base}/ubah/").status_code == 404
    assert (
        boalemo_client.post(
            f"{base}/ubah/", {"person_name": "Diubah", "role": "ketua"}
        ).status_code
        == 404
    )
    assert boalemo_client.get(f"{base}/sertifikat/").status_code == 404
    removal = boalemo_client.post(f"/bimtek/{bimtek.pk}/peserta/", {"remove": other.pk})
    assert removal.status_code == 404
    other.refresh_from_db()
    assert other.person_name == '=HYPERLINK("http://x")'


def test_a_regency_limited_user_edits_and_removes_their_own_participants(
    bimtek, boalemo_client
):
    own = bimtek.participants.get(person_name="Hj. Fatma Ali")
    response = boalemo_client.post(
        f"/bimtek/{bimtek.pk}/peserta/{own.pk}/ubah/",
        {"person_name": "Hj. Fatmawati Ali", "role": "bendahara"},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.person_name, own.role) == ("Hj. Fatmawati Ali", "bendahara")
    boalemo_client.post(f"/bimtek/{bimtek.pk}/peserta/", {"remove": own.pk})
    assert not Participant.objects.filter(pk=own.pk).exists()


def test_a_participant_of_another_event_is_not_found_under_this_one(
    bimtek, operator_client
):
    stranger = ParticipantFactory(
        event=TrainingEventFactory(regency=bimtek.regency),
        institution=bimtek.participants.first().institution,
    )
    url = f"/bimtek/{bimtek.pk}/peserta/{stranger.pk}/ubah/"
    assert operator_client.get(url).status_code == 404


def test_renaming_a_participant_into_a_duplicate_is_refused(bimtek, operator_client):
    own = bimtek.participants.get(person_name="Hj. Fatma Ali")
    twin = ParticipantFactory(
        event=bimtek, institution=own.institution, person_name="Ahmad"
    )
    response = operator_client.post(
        f"/bimtek/{bimtek.pk}/peserta/{twin.pk}/ubah/",
        {"person_name": "Hj. Fatma Ali", "role": "ketua"},
    )
    assert response.status_code == 400
    twin.refresh_from_db()
    assert twin.person_name == "Ahmad"


# Certificates ---------------------------------------------------------------------


def test_every_participant_gets_a_distinct_readable_code():
    codes = {ParticipantFactory().verification_code for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert len(code) == VERIFICATION_CODE_LENGTH
        assert set(code) <= set(VERIFICATION_CODE_ALPHABET)


def test_the_certificate_names_the_participant_event_and_verification_code(
    bimtek, operator_client, weasyprint
):
    participant = bimtek.participants.get(person_name="Hj. Fatma Ali")
    response = operator_client.get(
        f"/bimtek/{bimtek.pk}/peserta/{participant.pk}/sertifikat/"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "SERTIFIKAT" in text
    assert "Hj. Fatma Ali" in text
    assert "Majelis Taklim Nurul Iman" in text
    assert "Bimtek Peningkatan Kapasitas WKSBM" in text
    assert "01/08/2024 sampai 02/08/2024" in text
    assert participant.verification_code in text
    assert (
        f"http://testserver/verifikasi-sertifikat/?kode={participant.verification_code}"
        in text
    )
    [entry] = DataAccessLog.objects.all()
    assert "Sertifikat" in entry.what


def test_the_public_page_confirms_a_code_without_a_login(bimtek, client):
    participant = bimtek.participants.get(person_name="Hj. Fatma Ali")
    typed = participant.verification_code.lower()
    typed = f"{typed[:5]}-{typed[5:]}"
    response = client.get("/verifikasi-sertifikat/", {"kode": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sertifikat sah." in html
    assert "Hj. Fatma Ali" in html
    assert "Bimtek Peningkatan Kapasitas WKSBM" in html
    assert "01/08/2024 - 02/08/2024" in html
    # Name, event and date only: not the institution, its village or anyone else.
    assert "Majelis Taklim Nurul Iman" not in html
    assert "Rukun Duka" not in html
    assert participant.institution.leader_name not in html
    assert participant.institution.account_number not in html


def test_the_public_page_says_an_unknown_code_is_unknown(bimtek, client):
    response = client.get("/verifikasi-sertifikat/", {"kode": "ZZZZZZZZZZ"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kode tidak dikenal." in html
    assert "Sertifikat sah." not in html
    assert "Hj. Fatma Ali" not in html


def test_the_public_page_without_a_code_only_asks_for_one(client):
    response = client.get("/verifikasi-sertifikat/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="kode"' in html
    assert "Kode tidak dikenal." not in html


# Event dates ------------------------------------------------------------------------


def test_the_database_refuses_an_event_that_ends_before_it_starts(regions):
    with pytest.raises(IntegrityError):
        TrainingEventFactory(
            start_date=datetime.date(2024, 8, 2), end_date=datetime.date(2024, 8, 1)
        )


def test_changing_an_event_to_end_before_it_starts_is_refused(bimtek, operator_client):
    response = operator_client.post(
        f"/bimtek/{bimtek.pk}/ubah/",
        {
            "title": bimtek.title,
            "kind": "bimtek",
            "start_date": "05/08/2024",
            "end_date": "01/08/2024",
            "venue": bimtek.venue,
            "regency": BOALEMO,
            "organiser": bimtek.organiser,
            "speakers-TOTAL_FORMS": "0",
            "speakers-INITIAL_FORMS": "0",
            "speakers-MIN_NUM_FORMS": "0",
            "speakers-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 400
    assert "Tanggal selesai tidak boleh sebelum tanggal mulai." in (
        response.content.decode()
    )
    bimtek.refresh_from_db()
    assert bimtek.end_date == datetime.date(2024, 8, 2)
