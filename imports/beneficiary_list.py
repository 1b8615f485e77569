"""The beneficiary list: the people one institution serves in one year."""

from collections.abc import Callable

from django.utils.translation import gettext_lazy

from . import cells, words
from .columns import Column, ColumnSet, region_of, required_text, text
from .recipient_list import (
    DISTRICT,
    LOCATION,
    REGENCY,
    VILLAGE,
    VILLAGE_CODE,
)

# Beneficiaries ------------------------------------------------------------------


def _beneficiary(getter: Callable) -> Callable:
    def export(record):
        return getter(getattr(record, "beneficiary", record))

    return export


NIK = Column(
    "nik",
    gettext_lazy("NIK"),
    cells.parse_nik,
    aliases=("nomor induk kependudukan", "no ktp", "nomor ktp", "no nik"),
    required=True,
    as_text=True,
    example="7502014508900001",
    help=gettext_lazy("16 angka; format kolom sebagai Teks."),
    export=_beneficiary(lambda b: b.nik),
)
PERSON_NAME = Column(
    "nama",
    gettext_lazy("Nama"),
    required_text(150),
    aliases=("nama lengkap", "nama penerima", "nama penerima manfaat"),
    required=True,
    example="Siti Aminah",
    export=_beneficiary(lambda b: b.name),
)
CATEGORY = Column(
    "kategori",
    gettext_lazy("Kategori"),
    words.parse_category,
    aliases=("kategori penerima", "jenis penerima"),
    required=True,
    example="lansia",
    export=_beneficiary(lambda b: words.category_label(b.category)),
)
BENEFICIARY_YEAR = Column(
    "tahun",
    gettext_lazy("Tahun"),
    cells.parse_year,
    aliases=("tahun anggaran", "thn"),
    help=gettext_lazy("Boleh kosong; bila diisi harus sama dengan tahun impor."),
    export=lambda e: e.year,
)
BENEFICIARY_INSTITUTION = Column(
    "nama_lembaga",
    gettext_lazy("Nama lembaga"),
    text(200),
    aliases=("lembaga",),
    help=gettext_lazy("Boleh kosong; bila diisi harus lembaga yang dipilih."),
    export=lambda e: e.institution.name,
)
BENEFICIARY_REGISTRATION = Column(
    "nomor_register",
    gettext_lazy("Nomor register lembaga"),
    text(100),
    aliases=("no register", "no reg"),
    export=lambda e: e.institution.registration_number,
)


def _beneficiary_region(level: str) -> Callable:
    return _beneficiary(lambda b: region_of(b, level))


BENEFICIARIES = ColumnSet(
    (
        NIK,
        PERSON_NAME,
        CATEGORY,
        Column(
            "kode_desa",
            VILLAGE_CODE.label,
            VILLAGE_CODE.parse,
            aliases=VILLAGE_CODE.aliases,
            as_text=True,
            example="75.02.01.2004",
            export=_beneficiary_region("code"),
        ),
        Column(
            "desa",
            VILLAGE.label,
            VILLAGE.parse,
            aliases=VILLAGE.aliases,
            example="Bongo Nol",
            export=_beneficiary_region("village"),
        ),
        Column(
            "kecamatan",
            DISTRICT.label,
            DISTRICT.parse,
            aliases=DISTRICT.aliases,
            example="Paguyaman",
            export=_beneficiary_region("district"),
        ),
        Column(
            "kabupaten",
            REGENCY.label,
            REGENCY.parse,
            aliases=REGENCY.aliases,
            example="Kabupaten Boalemo",
            export=_beneficiary_region("regency"),
        ),
        BENEFICIARY_YEAR,
        BENEFICIARY_INSTITUTION,
        BENEFICIARY_REGISTRATION,
    ),
    required=("nik", "nama", "kategori", LOCATION),
)
