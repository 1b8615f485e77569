"""import_recipients and import_beneficiaries: the report, and the exit status."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from grants import services
from grants.models import Grant
from imports.models import ImportBatch
from institutions.models import BeneficiaryEnrollment
from tests.factories import InstitutionFactory, UserFactory

from .conftest import HEADER, LAST_YEAR, THIS_YEAR, VILLAGE, csv_bytes, snapshot

pytestmark = pytest.mark.django_db

GOOD = [
    [str(THIS_YEAR), "Karang Taruna", "Karang Taruna Tunas", VILLAGE, "Rp 15.000.000"]
]
# A grant paid last year, before the app, with its decree.
HISTORICAL_HEADER = [*HEADER, "status", "nomor_sk", "tanggal_salur"]
HISTORICAL = [
    str(LAST_YEAR), "WKSBM", "Rukun Duka Sejahtera", VILLAGE, "5.000.000",
    "disalurkan", "188.44/KEP/3", f"01/06/{LAST_YEAR}",
]  # fmt: skip


@pytest.fixture
def list_file(tmp_path):
    def write(rows, name="daftar.csv", **kwargs):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows, **kwargs))
        return str(path)

    return write


def test_a_dry_run_reports_and_writes_nothing(program, list_file, capsys):
    before = snapshot()
    call_command("import_recipients", list_file(GOOD), "--dry-run")
    out = capsys.readouterr().out
    assert "baru: 1" in out and "Uji coba" in out
    assert snapshot() == before


def test_an_import_exits_zero_and_records_its_batch(
    program, list_file, operator, capsys
):
    call_command("import_recipients", list_file(GOOD), "--user", operator.username)
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_by, batch.file_name) == (
        "imported",
        operator,
        "daftar.csv",
    )
    assert Grant.objects.get().import_batch == batch
    assert f"impor #{batch.pk}" in capsys.readouterr().out


def test_a_file_with_an_error_exits_non_zero_with_the_report(
    program, list_file, capsys
):
    bad = [str(THIS_YEAR), "Koperasi", "Koperasi Maju", VILLAGE, "Rp 1.000.000"]
    rows = [*GOOD, bad]
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        call_command("import_recipients", list_file(rows))
    assert caught.value.returncode == 1
    out = capsys.readouterr().out
    assert "baris 3, kolom jenis_lembaga [Koperasi]: Jenis lembaga tidak dikenal" in out
    assert snapshot() == before


def test_a_dry_run_of_a_bad_file_exits_non_zero(program, list_file):
    with pytest.raises(CommandError):
        call_command(
            "import_recipients",
            list_file([[str(THIS_YEAR), "KT", "", VILLAGE, "0"]]),
            "--dry-run",
        )


def test_historical_rows_need_a_user_with_the_permission(
    last_years_program, list_file, operator, historian, capsys
):
    path = list_file([HISTORICAL], header=HISTORICAL_HEADER)
    before = snapshot()
    with pytest.raises(CommandError):
        call_command("import_recipients", path, "--user", operator.username)
    assert services.MSG_HISTORICAL_NOT_ALLOWED in capsys.readouterr().out
    assert snapshot() == before
    call_command("import_recipients", path, "--user", historian.username)
    grant = Grant.objects.get()
    assert (grant.status, grant.program) == ("disbursed", last_years_program)
    assert grant.events.get().actor == historian


def test_the_administrators_command_line_may_import_history_without_a_user(
    last_years_program, list_file
):
    call_command("import_recipients", list_file([HISTORICAL], header=HISTORICAL_HEADER))
    grant = Grant.objects.get()
    assert (grant.status, grant.program) == ("disbursed", last_years_program)
    assert grant.events.get().actor is None
    assert grant.disbursements.get().amount == grant.amount


def test_missing_programmes_are_created_only_by_a_manager_with_a_typed_ceiling(
    regions, list_file, historian, capsys
):
    path = list_file([HISTORICAL], header=HISTORICAL_HEADER)
    manager = UserFactory(username="pimpinan_arsip", role="Pimpinan")
    manager.user_permissions.add(*historian.user_permissions.all())
    before = snapshot()
    for args in (
        ["--user", historian.username],
        ["--create-programs", "--user", historian.username],
        ["--create-programs", "--ceiling", f"{LAST_YEAR}=100.000.000"],
        ["--create-programs", "--user", manager.username],
    ):
        with pytest.raises(CommandError):
            call_command("import_recipients", path, *args)
    out = capsys.readouterr().out
    assert "Program dibuat oleh Pimpinan" in out
    assert "isi pagunya" in out
    assert snapshot() == before
    call_command(
        "import_recipients",
        path,
        "--create-programs",
        "--ceiling",
        f"{LAST_YEAR}=100.000.000",
        "--user",
        manager.username,
    )
    program = Grant.objects.get().program
    assert program.name == f"Bantuan Sosial Lembaga {LAST_YEAR}"
    # The ceiling is the one typed, never the file's sum.
    assert program.budget_ceiling == 100_000_000


def test_institution_lists_through_the_same_command(regions, list_file):
    path = list_file(
        [["Karang Taruna", "Karang Taruna Tunas", VILLAGE]],
        header=["jenis_lembaga", "nama_lembaga", "kode_desa"],
    )
    call_command("import_recipients", path, "--institutions-only")
    assert ImportBatch.objects.get().kind == ImportBatch.Kind.INSTITUTIONS


def test_import_beneficiaries(regions, list_file):
    institution = InstitutionFactory(registration_number="REG/9", village_id=VILLAGE)
    path = list_file(
        [["7502014508900001", "Siti Aminah", "lansia", VILLAGE]],
        header=["nik", "nama", "kategori", "kode_desa"],
    )
    call_command(
        "import_beneficiaries",
        path,
        "--institution",
        "REG/9",
        "--year",
        "2024",
        "--dry-run",
    )
    assert not BeneficiaryEnrollment.objects.exists()
    call_command(
        "import_beneficiaries",
        path,
        "--institution",
        str(institution.pk),
        "--year",
        "2024",
    )
    assert BeneficiaryEnrollment.objects.get().institution == institution


def test_a_file_over_the_size_limit_is_refused(program, list_file, settings):
    settings.BANSOS_IMPORT_MAX_BYTES = 50
    before = snapshot()
    with pytest.raises(CommandError):
        call_command("import_recipients", list_file(GOOD * 5))
    assert snapshot() == before


@pytest.mark.parametrize(
    "phase", ["ours-dry", "ours", "copy", "floor", "import-export"]
)
def test_every_benchmark_phase_runs_and_leaves_nothing_behind(regions, tmp_path, phase):
    """No timings here: only that each measurement works and rolls back."""
    from benchmarks import import_speed as bench
    from benchmarks.samples import recipient_rows, write_csv

    years = bench.bench_years()
    path = tmp_path / "bench.csv"
    write_csv(
        path, recipient_rows(300, years=years, programs=bench.bench_programs(years))
    )
    before = snapshot()
    result = bench.run_phase(phase, path, years, sample=50)
    assert snapshot() == before
    if result.get("skipped"):
        assert phase in ("copy", "floor")
    else:
        assert result["rows"] == (50 if phase == "import-export" else 300)
        assert result["seconds"] > 0 and result["peak_mb"] > 0


def test_importing_the_same_file_twice_exits_zero_and_keeps_nothing_more(
    program, list_file, capsys
):
    path = list_file(GOOD)
    call_command("import_recipients", path)
    before = snapshot()
    call_command("import_recipients", path)
    assert "semua baris sudah tercatat" in capsys.readouterr().out
    assert snapshot() == before
