import pytest
from django.contrib.admin.models import LogEntry

from institutions.models import Participant, Regency, Speaker, TrainingEvent, Village
from tests.factories import InstitutionFactory, TrainingEventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, regions):
    client.force_login(UserFactory(username="operator", role="Operator"))
    return client


def speaker_data(rows: list[dict]) -> dict:
    data = {
        "speakers-TOTAL_FORMS": str(len(rows)),
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"speakers-{index}-{key}": value for key, value in row.items()})
    return data


def test_an_operator_records_a_bimtek_with_its_officials_and_speakers(operator_client):
    data = {
        "title": "Bimtek Peningkatan Kapasitas WKSBM",
        "kind": "bimtek",
        "target_kind": "wksbm",
        "start_date": "01/08/2024",
        "end_date": "01/08/2024",
        "venue": "Villa Kencana",
        "regency": "75.02",
        "organiser": "Dinas Sosial Provinsi Gorontalo",
        **speaker_data(
            [
                {"role": "pembuka", "name": "Syukri J. Botutihe", "order": "1"},
                {"role": "narasumber", "name": "Nur Eka Prasetyo", "order": "2"},
            ]
        ),
    }
    response = operator_client.post("/bimtek/baru/", data)
    event = TrainingEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bimtek/{event.pk}/"
    assert event.start_date.isoformat() == "2024-08-01"
    assert event.regency_id == "75.02"
    assert list(Speaker.objects.values_list("role", "name")) == [
        ("pembuka", "Syukri J. Botutihe"),
        ("narasumber", "Nur Eka Prasetyo"),
    ]
    assert LogEntry.objects.filter(object_id=str(event.pk)).count() == 1


def test_a_bimtek_ending_before_it_starts_is_refused_and_keeps_the_input(
    operator_client,
):
    data = {
        "title": "Bimtek Terbalik",
        "kind": "bimtek",
        "start_date": "02/08/2024",
        "end_date": "01/08/2024",
        "venue": "Aula",
        "regency": "75.02",
        "organiser": "Dinas Sosial",
        **speaker_data([]),
    }
    response = operator_client.post("/bimtek/baru/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Tanggal selesai tidak boleh sebelum tanggal mulai." in html
    assert 'value="Bimtek Terbalik"' in html
    assert not TrainingEvent.objects.exists()


def test_participants_are_found_by_name_added_and_removed(operator_client):
    event = TrainingEventFactory(regency=Regency.objects.get(code="75.02"))
    village = Village.objects.get(code="75.02.01.2004")
    wanted = InstitutionFactory(village=village, name="Majelis Taklim Nurul Iman")
    InstitutionFactory(village=village, name="Rukun Duka Sejahtera")
    page = operator_client.get(f"/bimtek/{event.pk}/peserta/?cari=nurul")
    assert "Majelis Taklim Nurul Iman" in page.content.decode()
    assert "Rukun Duka Sejahtera" not in page.content.decode()
    response = operator_client.post(
        f"/bimtek/{event.pk}/peserta/?cari=nurul",
        {"institution": wanted.pk, "person_name": "Hj. Fatma Ali", "role": "ketua"},
    )
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert (participant.institution, participant.person_name) == (
        wanted,
        "Hj. Fatma Ali",
    )
    # The same person twice is refused by the unique rule, with a message.
    again = operator_client.post(
        f"/bimtek/{event.pk}/peserta/",
        {"institution": wanted.pk, "person_name": "Hj. Fatma Ali", "role": "ketua"},
    )
    assert again.status_code == 400
    assert Participant.objects.count() == 1
    operator_client.post(f"/bimtek/{event.pk}/peserta/", {"remove": participant.pk})
    assert not Participant.objects.exists()


def test_a_regency_limited_operator_cannot_add_participants_from_elsewhere(
    operator_client,
):
    from institutions.models import StaffProfile

    user = UserFactory(username="operator_boalemo", role="Operator")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.02")
    )
    operator_client.force_login(user)
    event = TrainingEventFactory(regency=Regency.objects.get(code="75.02"))
    elsewhere = InstitutionFactory(village=Village.objects.get(code="75.71.01.1001"))
    response = operator_client.post(
        f"/bimtek/{event.pk}/peserta/",
        {"institution": elsewhere.pk, "person_name": "Budi", "role": "ketua"},
    )
    assert response.status_code == 400
    assert not Participant.objects.exists()
