"""ImportBatch moved from institutions to imports with its rows, its
permissions (held by roles) and its admin history."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("institutions", "0006_money_path"),
    ("grants", "0008_disbursement_account"),
    ("imports", None),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1]]).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_batches_made_before_the_move_keep_their_rows_permissions_and_history():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    old = migrate(BEFORE)
    OldBatch = old.get_model("institutions", "ImportBatch")
    Institution = old.get_model("institutions", "Institution")
    user = User.objects.create(username="operator_lama")
    batch = OldBatch.objects.create(
        kind="lembaga",
        status="imported",
        file="imports/ab/" + "ab" * 32,
        file_name="lembaga.csv",
        sha256="ab" * 32,
        size=10,
        created_by_id=user.pk,
        imported_by_id=user.pk,
        imported_at="2025-01-02T03:04:05Z",
    )
    regency = old.get_model("institutions", "Regency").objects.create(
        code="75.71", name="Kota Gorontalo", kind="kota"
    )
    district = old.get_model("institutions", "District").objects.create(
        code="75.71.01", regency=regency, name="Kota Barat"
    )
    village = old.get_model("institutions", "Village").objects.create(
        code="75.71.01.1001", district=district, name="Dembe I", kind="kelurahan"
    )
    Institution.objects.create(
        kind="wksbm", name="Majelis Lama", name_key="majelis lama",
        village=village, import_batch=batch,
    )  # fmt: skip
    content_type = ContentType.objects.get(
        app_label="institutions", model="importbatch"
    )
    LogEntry.objects.create(
        user=user,
        content_type=content_type,
        object_id=str(batch.pk),
        object_repr="Impor #1",
        action_flag=2,
    )

    new = migrate(latest)

    NewBatch = new.get_model("imports", "ImportBatch")
    moved = NewBatch.objects.get(pk=batch.pk)
    assert (moved.file_name, moved.status) == ("lembaga.csv", "imported")
    assert (
        new.get_model("institutions", "Institution")
        .objects.get(name="Majelis Lama")
        .import_batch_id
        == batch.pk
    )
    assert NewBatch._meta.db_table == "imports_importbatch"
    ContentType.objects.clear_cache()
    content_type.refresh_from_db()
    assert content_type.app_label == "imports"
    assert LogEntry.objects.get().content_type_id == content_type.pk
    assert Group.objects.filter(
        name="Operator",
        permissions__codename="add_importbatch",
        permissions__content_type=content_type,
    ).exists()
