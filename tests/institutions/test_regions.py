import csv
from pathlib import Path

import pytest
from django.core.management import call_command

from institutions.models import District, Regency, Village

pytestmark = pytest.mark.django_db

# An independent extract of the official regions, kept beside the repository.
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def read_csv(name: str) -> list[dict]:
    with open(SHARED_DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_load_regions_loads_the_province_counts(regions):
    assert Regency.objects.count() == 6
    assert District.objects.count() == 77
    assert Village.objects.count() == 729
    assert Village.objects.filter(kind="desa").count() == 657
    assert Village.objects.filter(kind="kelurahan").count() == 72
    assert Regency.objects.filter(kind="kota").get().code == "75.71"


def test_load_regions_is_idempotent(regions, capsys):
    call_command("load_regions")
    out = capsys.readouterr().out
    assert "0 created, 0 updated, 812 unchanged" in out
    assert Village.objects.count() == 729


def test_load_regions_repairs_a_changed_name(regions):
    Village.objects.filter(code="75.02.01.2004").update(name="Salah")
    call_command("load_regions")
    assert Village.objects.get(code="75.02.01.2004").name == "Bongo Nol"


def test_kemendagri_not_bps_codes(regions):
    assert Regency.objects.get(code="75.01").name == "Kabupaten Gorontalo"
    assert Regency.objects.get(code="75.02").name == "Kabupaten Boalemo"


@pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"independent region extract not found at {SHARED_DATA}",
)
def test_loaded_regions_match_the_independent_extract(regions):
    expected_regencies = {
        r["code"]: (r["name"], r["kind"])
        for r in read_csv("wilayah_gorontalo_regencies.csv")
    }
    expected_districts = {
        r["code"]: (r["regency_code"], r["name"])
        for r in read_csv("wilayah_gorontalo_districts.csv")
    }
    expected_villages = {
        r["code"]: (r["district_code"], r["name"], r["kind"])
        for r in read_csv("wilayah_gorontalo_villages.csv")
    }
    assert {
        r.code: (r.name, r.kind) for r in Regency.objects.all()
    } == expected_regencies
    assert {
        d.code: (d.regency_id, d.name) for d in District.objects.all()
    } == expected_districts
    assert {
        v.code: (v.district_id, v.name, v.kind) for v in Village.objects.all()
    } == expected_villages
    postcodes = {
        r["village_code"]: r["postal_code"]
        for r in read_csv("wilayah_gorontalo_village_postcodes.csv")
    }
    assert {v.code: v.postal_code for v in Village.objects.all()} == postcodes
