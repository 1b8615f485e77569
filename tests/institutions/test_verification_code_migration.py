"""Participants recorded before certificates existed get a code each."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from institutions.models import VERIFICATION_CODE_ALPHABET, VERIFICATION_CODE_LENGTH

BEFORE = [("institutions", "0008_personal_data_permissions")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_participants_get_distinct_codes():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate(BEFORE)
    regency = old.get_model("institutions", "Regency").objects.create(
        code="75.71", name="Kota Gorontalo", kind="kota"
    )
    district = old.get_model("institutions", "District").objects.create(
        code="75.71.01", regency=regency, name="Kota Barat"
    )
    village = old.get_model("institutions", "Village").objects.create(
        code="75.71.01.1001", district=district, name="Dembe I", kind="kelurahan"
    )
    institution = old.get_model("institutions", "Institution").objects.create(
        kind="wksbm", name="Majelis Lama", name_key="majelis lama", village=village
    )
    event = old.get_model("institutions", "TrainingEvent").objects.create(
        title="Bimtek Lama",
        start_date="2023-08-01",
        end_date="2023-08-01",
        venue="Aula",
        regency=regency,
    )
    Participant = old.get_model("institutions", "Participant")
    for name in ("Budi", "Sari", "Yusuf"):
        Participant.objects.create(
            event=event, institution=institution, person_name=name
        )

    new = migrate(latest)

    codes = list(
        new.get_model("institutions", "Participant").objects.values_list(
            "verification_code", flat=True
        )
    )
    assert len(codes) == len(set(codes)) == 3
    for code in codes:
        assert len(code) == VERIFICATION_CODE_LENGTH
        assert set(code) <= set(VERIFICATION_CODE_ALPHABET)
