"""Every bad input of the issue: its message, and not one row changed anywhere.

Each bad file also holds a good row first, so that a partial write would show.
"""

import io
import zipfile

import pytest
from django.test import override_settings

from tests.factories import ProgramFactory

from .conftest import HEADER, THIS_YEAR, VILLAGE, csv_bytes, messages, run, snapshot

pytestmark = pytest.mark.django_db

GOOD = [
    str(THIS_YEAR),
    "Karang Taruna",
    "Karang Taruna Tunas",
    VILLAGE,
    "Rp 15.000.000",
]


def bad_row(**values) -> list[str]:
    row = dict(
        zip(
            HEADER,
            [str(THIS_YEAR), "WKSBM", "Rukun Duka Sejahtera", VILLAGE, "10.000.000"],
            strict=True,
        )
    )
    row.update(values)
    return list(row.values())


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("daftar.csv", csv_bytes([GOOD]))
    return buffer.getvalue()


BAD_INPUTS = {
    "missing columns": (
        csv_bytes([GOOD[:4]], header=HEADER[:4]),
        "Kolom wajib tidak ditemukan: nilai_bantuan. Kolom yang diharapkan: tahun, program,",
    ),
    "empty file": (b"", "Berkas kosong."),
    "header only": (csv_bytes([]), "Berkas hanya berisi judul kolom, tanpa baris data."),
    "binary": (bytes(range(256)) * 8, "bukan CSV atau Excel"),
    "image": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"IHDR", "bukan CSV atau Excel"),
    "zip": (a_zip(), "bukan CSV atau Excel"),
    "old excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "Berkas Excel lama (.xls)"),
    "amount zero": (csv_bytes([GOOD, bad_row(nilai_bantuan="0")]), "Nilai bantuan harus lebih dari nol."),
    "amount negative": (csv_bytes([GOOD, bad_row(nilai_bantuan="-10.000.000")]), "Nilai bantuan harus lebih dari nol."),
    "amount unreadable": (csv_bytes([GOOD, bad_row(nilai_bantuan="sepuluh juta")]), "Nilai tidak dapat dibaca"),
    "unknown kind": (csv_bytes([GOOD, bad_row(jenis_lembaga="Koperasi")]), "Jenis lembaga tidak dikenal"),
    "kind not covered": (csv_bytes([GOOD, bad_row(jenis_lembaga="LKSA")]), "tidak mencakup lembaga berjenis LKSA"),
    "twice in a programme": (
        csv_bytes([GOOD, bad_row(jenis_lembaga="KT", nama_lembaga="KARANG TARUNA TUNAS")]),
        "Lembaga ini sudah muncul di baris 2 untuk program yang sama.",
    ),
    "year not a year": (csv_bytes([GOOD, bad_row(tahun="24")]), "Bukan tahun"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_a_bad_input_is_refused_with_its_message_and_nothing_changes(
    name, regions, operator
):
    ProgramFactory(covers_lksa=False)
    content, expected = BAD_INPUTS[name]
    before = snapshot()
    report, batch = run(content, user=operator)
    assert batch is None
    assert expected in messages(report)
    assert snapshot() == before


@override_settings(BANSOS_IMPORT_MAX_BYTES=200)
def test_a_file_over_the_size_limit_is_refused_and_nothing_changes(regions, operator):
    ProgramFactory()
    before = snapshot()
    report, batch = run(csv_bytes([GOOD] * 10), user=operator)
    assert batch is None
    assert "Berkas terlalu besar" in messages(report)
    assert snapshot() == before
