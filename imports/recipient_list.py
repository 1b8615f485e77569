"""The recipient list (one row per grant) and the institution list: their columns.

The institution columns are the first part of every recipient row; the
institution list is those columns alone.
"""

from django.utils.translation import gettext_lazy

from . import cells, words
from .columns import (
    Column,
    ColumnSet,
    date_text,
    of_institution,
    region_of,
    required_text,
    text,
)

# Institutions ------------------------------------------------------------------


KIND = Column(
    "jenis_lembaga",
    gettext_lazy("Jenis lembaga"),
    words.parse_kind,
    aliases=("jenis", "tipe lembaga", "kategori lembaga"),
    required=True,
    example="Karang Taruna",
    help=gettext_lazy("WKSBM, Karang Taruna atau LKSA; boleh juga jenis WKSBM."),
    export=of_institution(lambda i: str(i.Kind(i.kind).label)),
)
WKSBM_TYPE = Column(
    "jenis_wksbm",
    gettext_lazy("Jenis WKSBM"),
    words.parse_wksbm_type,
    aliases=("sub jenis", "subjenis", "jenis kelompok"),
    example="",
    help=gettext_lazy("Majelis Taklim, Takmirul Masjid, Rukun Duka, Paguyuban, ..."),
    export=of_institution(
        lambda i: str(i.WksbmType(i.wksbm_type).label) if i.wksbm_type else ""
    ),
)
NAME = Column(
    "nama_lembaga",
    gettext_lazy("Nama lembaga"),
    required_text(200),
    aliases=("nama", "lembaga", "nama kelompok"),
    required=True,
    example="Karang Taruna Tunas Harapan",
    export=of_institution(lambda i: i.name),
)
REGISTRATION = Column(
    "nomor_register",
    gettext_lazy("Nomor register"),
    text(100),
    aliases=("no register", "no reg", "nomor registrasi", "no registrasi", "register"),
    example="400/DINSOS/123/2023",
    export=of_institution(lambda i: i.registration_number),
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
    export=of_institution(lambda i: region_of(i, "code")),
)
VILLAGE = Column(
    "desa",
    gettext_lazy("Desa/kelurahan"),
    text(100),
    aliases=("kelurahan", "desa kelurahan", "nama desa"),
    example="Bongo Nol",
    export=of_institution(lambda i: region_of(i, "village")),
)
DISTRICT = Column(
    "kecamatan",
    gettext_lazy("Kecamatan"),
    text(100),
    aliases=("kec",),
    example="Paguyaman",
    export=of_institution(lambda i: region_of(i, "district")),
)
REGENCY = Column(
    "kabupaten",
    gettext_lazy("Kabupaten/kota"),
    text(100),
    aliases=("kabupaten kota", "kab kota", "kota", "kab"),
    example="Kabupaten Boalemo",
    export=of_institution(lambda i: region_of(i, "regency")),
)
ADDRESS = Column(
    "alamat",
    gettext_lazy("Alamat"),
    text(255),
    aliases=("alamat lembaga",),
    example="Jl. Trans Sulawesi",
    export=of_institution(lambda i: i.address),
)
LEADER = Column(
    "ketua",
    gettext_lazy("Nama ketua"),
    text(150),
    aliases=("nama ketua", "ketua lembaga", "pimpinan lembaga"),
    example="Rahmat Hasan",
    export=of_institution(lambda i: i.leader_name),
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
    export=of_institution(lambda i: i.phone),
)
NPWP = Column(
    "npwp",
    gettext_lazy("NPWP"),
    cells.parse_npwp,
    aliases=("nomor npwp", "no npwp"),
    as_text=True,
    export=of_institution(lambda i: i.npwp),
)
BANK = Column(
    "bank",
    gettext_lazy("Bank"),
    text(100),
    aliases=("nama bank",),
    example="Bank SulutGo",
    export=of_institution(lambda i: i.bank_name),
)
ACCOUNT_NUMBER = Column(
    "nomor_rekening",
    gettext_lazy("Nomor rekening"),
    cells.parse_account_number,
    aliases=("no rekening", "no rek", "rekening", "nomor rek"),
    as_text=True,
    example="0012345678901",
    export=of_institution(lambda i: i.account_number),
)
ACCOUNT_HOLDER = Column(
    "nama_rekening",
    gettext_lazy("Nama rekening"),
    text(150),
    aliases=("atas nama", "nama pemilik rekening", "pemilik rekening"),
    example="Karang Taruna Tunas Harapan",
    export=of_institution(lambda i: i.account_holder),
)

EMAIL = Column(
    "email",
    gettext_lazy("Surel"),
    cells.parse_email,
    aliases=("surel", "e mail", "alamat email"),
    export=of_institution(lambda i: i.email),
)
REGISTRATION_DATE = Column(
    "tanggal_register",
    gettext_lazy("Tanggal register"),
    cells.parse_date,
    aliases=("tgl register", "tanggal registrasi"),
    export=of_institution(lambda i: i.registration_date),
)
REGISTRATION_ISSUER = Column(
    "penerbit_register",
    gettext_lazy("Penerbit register"),
    text(150),
    aliases=("penerbit", "dikeluarkan oleh"),
    export=of_institution(lambda i: i.registration_issuer),
)
PERMIT_NUMBER = Column(
    "nomor_izin",
    gettext_lazy("Nomor izin operasional (LKSA)"),
    text(100),
    aliases=("no izin", "izin operasional", "nomor izin operasional"),
    export=of_institution(lambda i: i.permit_number),
)
PERMIT_EXPIRES = Column(
    "izin_berlaku_sampai",
    gettext_lazy("Izin operasional berlaku sampai"),
    cells.parse_date,
    aliases=("masa berlaku izin", "izin sampai"),
    export=of_institution(lambda i: i.permit_expires_on),
)
ACCREDITATION = Column(
    "akreditasi",
    gettext_lazy("Akreditasi (LKSA)"),
    words.parse_accreditation,
    aliases=("nilai akreditasi",),
    help=gettext_lazy("A, B atau C; hanya untuk LKSA."),
    export=of_institution(lambda i: i.accreditation),
)
ACCREDITATION_EXPIRES = Column(
    "akreditasi_berlaku_sampai",
    gettext_lazy("Akreditasi berlaku sampai"),
    cells.parse_date,
    aliases=("masa berlaku akreditasi", "akreditasi sampai"),
    export=of_institution(lambda i: i.accreditation_expires_on),
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
    return date_text(paid_on)


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
    text(200),
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
    text(2000),
    aliases=("tujuan", "penggunaan", "peruntukan bantuan"),
    example="Usaha ekonomi produktif pemuda",
    export=lambda g: g.purpose,
)
STATUS = Column(
    "status",
    gettext_lazy("Status"),
    words.parse_status,
    aliases=("status bantuan",),
    example="diusulkan",
    help=gettext_lazy(
        "Kosong atau diusulkan; disalurkan hanya untuk data tahun-tahun lalu, oleh "
        "pengguna dengan izin impor data historis."
    ),
    export=lambda g: words.status_label(g.status),
)
DECREE_NUMBER = Column(
    "nomor_sk",
    gettext_lazy("Nomor SK penetapan"),
    text(100),
    aliases=("no sk", "sk penetapan", "nomor sk penetapan", "sk"),
    help=gettext_lazy(
        "Wajib untuk bantuan yang sudah disalurkan bila programnya tidak "
        "mencatat nomor SK."
    ),
    export=lambda g: g.decree_number,
)
DECREE_DATE = Column(
    "tanggal_sk",
    gettext_lazy("Tanggal SK penetapan"),
    cells.parse_date,
    aliases=("tgl sk",),
    export=lambda g: date_text(g.decree_date),
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
