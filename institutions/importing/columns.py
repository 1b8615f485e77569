"""The columns of the recipient, institution and beneficiary lists, defined once.

A `Column` says how a header may be spelled, how a cell is read and checked,
and how a stored record is written back. The importers, the downloadable
templates, the list exports and the admin's import-export resources all use
these definitions, so an export imports again as "unchanged".
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from . import cells
from .cells import CellError

MSG_MISSING_COLUMNS = gettext_noop(
    "Kolom wajib tidak ditemukan: %(missing)s. Kolom yang diharapkan: %(expected)s. "
    "Kolom yang ditemukan: %(found)s."
)
MSG_DUPLICATE_COLUMN = gettext_noop(
    "Kolom %(column)s muncul lebih dari sekali (%(headers)s)."
)


def _text(max_length: int) -> Callable[[Any], str]:
    def parse(value) -> str:
        return cells.bounded(cells.plain(value), max_length)

    # Lets the row reader take plain short text without a call (see planning).
    parse.text_max_length = max_length
    return parse


def _required_text(max_length: int) -> Callable[[Any], str]:
    def parse(value) -> str:
        text = cells.plain(value)
        if not text:
            raise CellError(_(cells.MSG_REQUIRED))
        return cells.bounded(" ".join(text.split()), max_length)

    return parse


def _date_text(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    parse: Callable[[Any], Any]
    aliases: tuple[str, ...] = ()
    required: bool = False
    # NIKs and account numbers: text cells, or Excel cuts them to 15 digits.
    as_text: bool = False
    example: str = ""
    help: str = ""
    export: Callable[[Any], Any] | None = None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(
            cells.header_key(spelling)
            for spelling in (self.name, str(self.label), *self.aliases)
        )

    def read(self, value):
        return self.parse(value)

    def value_of(self, record) -> Any:
        return "" if self.export is None else self.export(record)


@dataclass(frozen=True)
class ColumnSet:
    columns: tuple[Column, ...]
    # Each entry must be present: `a|b+c` means column a, or columns b and c.
    required: tuple[str, ...] = ()
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        by_key = {}
        for column in self.columns:
            for key in column.keys:
                if by_key.setdefault(key, column) is not column:
                    raise ValueError(f"Header key {key!r} names two columns")
        object.__setattr__(self, "by_key", by_key)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def recognised(self, headers: Sequence) -> int:
        """How many of these headers name one of our columns (to find the header row)."""
        return sum(1 for header in headers if cells.header_key(header) in self.by_key)

    def match(self, headers: Sequence) -> tuple[dict[str, int], list[str], list[str]]:
        """Map column names to their position in the file.

        Returns the mapping, the unknown headers and the problems (missing or
        repeated columns) that make the file unreadable.
        """
        positions: dict[str, int] = {}
        spelled: dict[str, list[str]] = {}
        unknown = []
        for index, header in enumerate(headers):
            text = cells.plain(header)
            if not text:
                continue
            column = self.by_key.get(cells.header_key(text))
            if column is None:
                unknown.append(text)
                continue
            spelled.setdefault(column.name, []).append(text)
            positions.setdefault(column.name, index)
        problems = [
            _(MSG_DUPLICATE_COLUMN) % {"column": name, "headers": ", ".join(texts)}
            for name, texts in spelled.items()
            if len(texts) > 1
        ]
        missing = [
            _(" atau ").join(option.replace("+", " + ") for option in need.split("|"))
            for need in self.required
            if not any(
                all(name in positions for name in option.split("+"))
                for option in need.split("|")
            )
        ]
        if missing:
            found = [cells.plain(h) for h in headers if cells.plain(h)]
            problems.append(
                _(MSG_MISSING_COLUMNS)
                % {
                    "missing": ", ".join(missing),
                    "expected": ", ".join(self.names),
                    "found": ", ".join(found) or "-",
                }
            )
        return positions, unknown, problems


# Institutions ------------------------------------------------------------------


def _region(record, level: str) -> str:
    village = record.village
    if level == "code":
        return village.code
    if level == "village":
        return village.name
    if level == "district":
        return village.district.name
    return village.district.regency.name


def _institution(getter: Callable) -> Callable:
    """Lift an institution getter to work on anything with an `institution`."""

    def export(record):
        institution = getattr(record, "institution", record)
        return getter(institution)

    return export


KIND = Column(
    "jenis_lembaga",
    gettext_lazy("Jenis lembaga"),
    cells.parse_kind,
    aliases=("jenis", "tipe lembaga", "kategori lembaga"),
    required=True,
    example="Karang Taruna",
    help=gettext_lazy("WKSBM, Karang Taruna atau LKSA; boleh juga jenis WKSBM."),
    export=_institution(lambda i: str(i.Kind(i.kind).label)),
)
WKSBM_TYPE = Column(
    "jenis_wksbm",
    gettext_lazy("Jenis WKSBM"),
    cells.parse_wksbm_type,
    aliases=("sub jenis", "subjenis", "jenis kelompok"),
    example="",
    help=gettext_lazy("Majelis Taklim, Takmirul Masjid, Rukun Duka, Paguyuban, ..."),
    export=_institution(
        lambda i: str(i.WksbmType(i.wksbm_type).label) if i.wksbm_type else ""
    ),
)
NAME = Column(
    "nama_lembaga",
    gettext_lazy("Nama lembaga"),
    _required_text(200),
    aliases=("nama", "lembaga", "nama kelompok"),
    required=True,
    example="Karang Taruna Tunas Harapan",
    export=_institution(lambda i: i.name),
)
REGISTRATION = Column(
    "nomor_register",
    gettext_lazy("Nomor register"),
    _text(100),
    aliases=("no register", "no reg", "nomor registrasi", "no registrasi", "register"),
    example="400/DINSOS/123/2023",
    export=_institution(lambda i: i.registration_number),
)
VILLAGE_CODE = Column(
    "kode_desa",
    gettext_lazy("Kode desa"),
    cells.parse_village_code,
    aliases=(
        "kode wilayah",
        "kode kemendagri",
        "kode desa kelurahan",
        "kode kelurahan",
    ),
    as_text=True,
    example="75.02.01.2004",
    help=gettext_lazy("Kode Kemendagri; atau isi desa, kecamatan dan kabupaten."),
    export=_institution(lambda i: _region(i, "code")),
)
VILLAGE = Column(
    "desa",
    gettext_lazy("Desa/kelurahan"),
    _text(100),
    aliases=("kelurahan", "desa kelurahan", "nama desa"),
    example="Bongo Nol",
    export=_institution(lambda i: _region(i, "village")),
)
DISTRICT = Column(
    "kecamatan",
    gettext_lazy("Kecamatan"),
    _text(100),
    aliases=("kec",),
    example="Paguyaman",
    export=_institution(lambda i: _region(i, "district")),
)
REGENCY = Column(
    "kabupaten",
    gettext_lazy("Kabupaten/kota"),
    _text(100),
    aliases=("kabupaten kota", "kab kota", "kota", "kab"),
    example="Kabupaten Boalemo",
    export=_institution(lambda i: _region(i, "regency")),
)
ADDRESS = Column(
    "alamat",
    gettext_lazy("Alamat"),
    _text(255),
    aliases=("alamat lembaga",),
    example="Jl. Trans Sulawesi",
    export=_institution(lambda i: i.address),
)
LEADER = Column(
    "ketua",
    gettext_lazy("Nama ketua"),
    _text(150),
    aliases=("nama ketua", "ketua lembaga", "pimpinan lembaga"),
    example="Rahmat Hasan",
    export=_institution(lambda i: i.leader_name),
)
PHONE = Column(
    "telepon",
    gettext_lazy("Telepon"),
    cells.parse_phone,
    aliases=(
        "no hp",
        "nomor hp",
        "hp",
        "telp",
        "no telp",
        "nomor telepon",
        "no telepon",
    ),
    as_text=True,
    example="081234567890",
    export=_institution(lambda i: i.phone),
)
NPWP = Column(
    "npwp",
    gettext_lazy("NPWP"),
    cells.parse_npwp,
    aliases=("nomor npwp", "no npwp"),
    as_text=True,
    export=_institution(lambda i: i.npwp),
)
BANK = Column(
    "bank",
    gettext_lazy("Bank"),
    _text(100),
    aliases=("nama bank",),
    example="Bank SulutGo",
    export=_institution(lambda i: i.bank_name),
)
ACCOUNT_NUMBER = Column(
    "nomor_rekening",
    gettext_lazy("Nomor rekening"),
    cells.parse_account_number,
    aliases=("no rekening", "no rek", "rekening", "nomor rek"),
    as_text=True,
    example="0012345678901",
    export=_institution(lambda i: i.account_number),
)
ACCOUNT_HOLDER = Column(
    "nama_rekening",
    gettext_lazy("Nama rekening"),
    _text(150),
    aliases=("atas nama", "nama pemilik rekening", "pemilik rekening"),
    example="Karang Taruna Tunas Harapan",
    export=_institution(lambda i: i.account_holder),
)

EMAIL = Column(
    "email",
    gettext_lazy("Surel"),
    cells.parse_email,
    aliases=("surel", "e mail", "alamat email"),
    export=_institution(lambda i: i.email),
)
REGISTRATION_DATE = Column(
    "tanggal_register",
    gettext_lazy("Tanggal register"),
    cells.parse_date,
    aliases=("tgl register", "tanggal registrasi"),
    export=_institution(lambda i: i.registration_date),
)
REGISTRATION_ISSUER = Column(
    "penerbit_register",
    gettext_lazy("Penerbit register"),
    _text(150),
    aliases=("penerbit", "dikeluarkan oleh"),
    export=_institution(lambda i: i.registration_issuer),
)
PERMIT_NUMBER = Column(
    "nomor_izin",
    gettext_lazy("Nomor izin operasional (LKSA)"),
    _text(100),
    aliases=("no izin", "izin operasional", "nomor izin operasional"),
    export=_institution(lambda i: i.permit_number),
)
PERMIT_EXPIRES = Column(
    "izin_berlaku_sampai",
    gettext_lazy("Izin operasional berlaku sampai"),
    cells.parse_date,
    aliases=("masa berlaku izin", "izin sampai"),
    export=_institution(lambda i: i.permit_expires_on),
)
ACCREDITATION = Column(
    "akreditasi",
    gettext_lazy("Akreditasi (LKSA)"),
    cells.parse_accreditation,
    aliases=("nilai akreditasi",),
    help=gettext_lazy("A, B atau C; hanya untuk LKSA."),
    export=_institution(lambda i: i.accreditation),
)
ACCREDITATION_EXPIRES = Column(
    "akreditasi_berlaku_sampai",
    gettext_lazy("Akreditasi berlaku sampai"),
    cells.parse_date,
    aliases=("masa berlaku akreditasi", "akreditasi sampai"),
    export=_institution(lambda i: i.accreditation_expires_on),
)

INSTITUTION_COLUMNS = (
    KIND,
    WKSBM_TYPE,
    NAME,
    REGISTRATION,
    VILLAGE_CODE,
    VILLAGE,
    DISTRICT,
    REGENCY,
    ADDRESS,
    LEADER,
    PHONE,
    NPWP,
    BANK,
    ACCOUNT_NUMBER,
    ACCOUNT_HOLDER,
    EMAIL,
    REGISTRATION_DATE,
    REGISTRATION_ISSUER,
    PERMIT_NUMBER,
    PERMIT_EXPIRES,
    ACCREDITATION,
    ACCREDITATION_EXPIRES,
)
# The institution field each column fills (the others locate the institution).
INSTITUTION_FIELDS = {
    "jenis_wksbm": "wksbm_type",
    "alamat": "address",
    "ketua": "leader_name",
    "telepon": "phone",
    "npwp": "npwp",
    "bank": "bank_name",
    "nomor_rekening": "account_number",
    "nama_rekening": "account_holder",
    "email": "email",
    "tanggal_register": "registration_date",
    "penerbit_register": "registration_issuer",
    "nomor_izin": "permit_number",
    "izin_berlaku_sampai": "permit_expires_on",
    "akreditasi": "accreditation",
    "akreditasi_berlaku_sampai": "accreditation_expires_on",
}
LOCATION = "kode_desa|desa+kecamatan"
INSTITUTIONS = ColumnSet(
    INSTITUTION_COLUMNS, required=("jenis_lembaga", "nama_lembaga", LOCATION)
)


# Grants -------------------------------------------------------------------------


def _last_paid_on(grant):
    paid_on = getattr(grant, "last_paid_on", None)
    return _date_text(paid_on)


YEAR = Column(
    "tahun",
    gettext_lazy("Tahun"),
    cells.parse_year,
    aliases=("tahun anggaran", "thn", "tahun bantuan"),
    example="2024",
    export=lambda g: g.program.year,
)
PROGRAM = Column(
    "program",
    gettext_lazy("Program"),
    _text(200),
    aliases=("nama program", "program bantuan"),
    help=gettext_lazy("Boleh kosong bila tahun itu hanya punya satu program."),
    export=lambda g: g.program.name,
)
AMOUNT = Column(
    "nilai_bantuan",
    gettext_lazy("Nilai bantuan"),
    cells.parse_amount,
    aliases=(
        "nilai",
        "jumlah",
        "jumlah bantuan",
        "besaran bantuan",
        "nominal",
        "bantuan",
    ),
    required=True,
    example="Rp 15.000.000",
    export=lambda g: g.amount,
)
PURPOSE = Column(
    "peruntukan",
    gettext_lazy("Peruntukan"),
    _text(2000),
    aliases=("tujuan", "penggunaan", "peruntukan bantuan"),
    example="Usaha ekonomi produktif pemuda",
    export=lambda g: g.purpose,
)
STATUS = Column(
    "status",
    gettext_lazy("Status"),
    cells.parse_status,
    aliases=("status bantuan",),
    example="diusulkan",
    help=gettext_lazy("Kosong atau diusulkan; disalurkan untuk data tahun lalu."),
    export=lambda g: cells.status_label(g.status),
)
DECREE_NUMBER = Column(
    "nomor_sk",
    gettext_lazy("Nomor SK penetapan"),
    _text(100),
    aliases=("no sk", "sk penetapan", "nomor sk penetapan", "sk"),
    export=lambda g: g.decree_number,
)
DECREE_DATE = Column(
    "tanggal_sk",
    gettext_lazy("Tanggal SK penetapan"),
    cells.parse_date,
    aliases=("tgl sk",),
    export=lambda g: _date_text(g.decree_date),
)
PAID_ON = Column(
    "tanggal_salur",
    gettext_lazy("Tanggal salur"),
    cells.parse_date,
    aliases=(
        "tgl salur",
        "tanggal penyaluran",
        "tanggal cair",
        "tanggal pencairan",
        "tgl cair",
    ),
    help=gettext_lazy("dd/mm/yyyy; wajib bila status disalurkan."),
    export=_last_paid_on,
)

RECIPIENTS = ColumnSet(
    (
        YEAR,
        PROGRAM,
        *INSTITUTION_COLUMNS,
        AMOUNT,
        PURPOSE,
        STATUS,
        DECREE_NUMBER,
        DECREE_DATE,
        PAID_ON,
    ),
    required=(
        "jenis_lembaga",
        "nama_lembaga",
        LOCATION,
        "tahun|program",
        "nilai_bantuan",
    ),
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
    _required_text(150),
    aliases=("nama lengkap", "nama penerima", "nama penerima manfaat"),
    required=True,
    example="Siti Aminah",
    export=_beneficiary(lambda b: b.name),
)
CATEGORY = Column(
    "kategori",
    gettext_lazy("Kategori"),
    cells.parse_category,
    aliases=("kategori penerima", "jenis penerima"),
    required=True,
    example="lansia",
    export=_beneficiary(lambda b: cells.category_label(b.category)),
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
    _text(200),
    aliases=("lembaga",),
    help=gettext_lazy("Boleh kosong; bila diisi harus lembaga yang dipilih."),
    export=lambda e: e.institution.name,
)
BENEFICIARY_REGISTRATION = Column(
    "nomor_register",
    gettext_lazy("Nomor register lembaga"),
    _text(100),
    aliases=("no register", "no reg"),
    export=lambda e: e.institution.registration_number,
)


def _beneficiary_region(level: str) -> Callable:
    return _beneficiary(lambda b: _region(b, level))


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

COLUMN_SETS = {
    "penerima": RECIPIENTS,
    "lembaga": INSTITUTIONS,
    "penerima_manfaat": BENEFICIARIES,
}
