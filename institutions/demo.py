"""Demo institutions and the WKSBM Bimtek of 1 August 2024, for development only.

Every institution, leader, phone, account and register number here is invented
(data demo fiktif); only the Bimtek's date, venue, title and speakers follow the
office's public report. The plan depends on a fixed seed and the official village
list alone, so every run builds the same rows and can tell which already exist.
"""

import datetime
import random
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone

from common.text import normalize_name

from .models import (
    DocumentKind,
    Institution,
    InstitutionDocument,
    Participant,
    Regency,
    Speaker,
    TrainingEvent,
    Village,
)

DEMO_NOTE = "Data demo (fiktif)"
SEED = "bansos-demo-gorontalo"

Kind = Institution.Kind
Accreditation = Institution.Accreditation
WksbmType = Institution.WksbmType

WKSBM_PREFIXES = {
    WksbmType.MAJELIS_TAKLIM: "Majelis Taklim",
    WksbmType.TAKMIRUL_MASJID: "Takmirul Masjid",
    WksbmType.RUKUN_DUKA: "Rukun Duka",
    WksbmType.PAGUYUBAN: "Paguyuban",
    WksbmType.KELOMPOK_ARISAN: "Kelompok Arisan",
}
ISLAMIC_NAMES = [
    "Al-Ikhlas",
    "Nurul Huda",
    "Al-Hidayah",
    "Babussalam",
    "Nurul Iman",
    "At-Taqwa",
    "Al-Muhajirin",
    "Darussalam",
    "Al-Falah",
    "Nurul Yaqin",
    "Al-Amin",
    "Baiturrahman",
    "Al-Muttaqin",
    "Nurul Jannah",
    "Ar-Rahmah",
    "Al-Mubarak",
]
COMMUNITY_NAMES = [
    "Huyula",
    "Mohuyula",
    "Dulohupa",
    "Ilomata",
    "Tiyombu",
    "Motolohuta",
    "Sejahtera",
    "Kasih Sayang",
    "Bina Warga",
    "Mekar Sari",
    "Melati",
    "Sehati",
    "Sumber Rejeki",
    "Tunas Baru",
]
KARANG_TARUNA_NAMES = [
    "Tunas Harapan",
    "Bina Remaja",
    "Putra Bangsa",
    "Mekar Jaya",
    "Harapan Bangsa",
    "Bintang Muda",
    "Generasi Huyula",
    "Pemuda Mandiri",
    "Karya Bakti",
    "Cahaya Muda",
]
LKSA_NAMES = [
    "Panti Asuhan Nurul Falah",
    "Panti Asuhan Kasih Ibu",
    "Panti Asuhan Darul Aitam",
    "Panti Asuhan Bina Insani",
    "Panti Asuhan Tunas Harapan",
    "Panti Asuhan Al-Hikmah",
    "Panti Asuhan Budi Mulia",
    "Panti Asuhan Ummul Qura",
    "Panti Asuhan Cahaya Hati",
    "Panti Asuhan Permata Bunda",
]
FIRST_NAMES = [
    "Abdul",
    "Rahman",
    "Yusuf",
    "Rusli",
    "Saiful",
    "Irwan",
    "Rahmat",
    "Nurdin",
    "Arifin",
    "Zulkifli",
    "Mansur",
    "Ahmad",
    "Yunus",
    "Fadli",
    "Hamzah",
    "Sri",
    "Nurhayati",
    "Fatma",
    "Hadijah",
    "Ramlah",
    "Siti",
    "Halima",
    "Hartati",
    "Kartini",
    "Salma",
    "Rosna",
    "Herlina",
    "Sumarni",
]
FAMILY_NAMES = [
    "Hasan",
    "Katili",
    "Mohamad",
    "Lamato",
    "Daud",
    "Ismail",
    "Usman",
    "Gani",
    "Kadir",
    "Nento",
    "Biya",
    "Puluhulawa",
    "Dunggio",
    "Polapa",
    "Mointi",
    "Hulopi",
    "Tangahu",
    "Bakari",
    "Lihawa",
    "Podungge",
    "Talib",
    "Olii",
    "Mopangga",
    "Kaluku",
    "Datau",
    "Nusi",
    "Lasena",
    "Suleman",
]
BANKS = ["Bank SulutGo", "BRI", "BNI", "Bank Syariah Indonesia"]

BIMTEK_TITLE = (
    "Bimbingan Teknis Peningkatan Kapasitas Wahana Kesejahteraan Sosial "
    "Berbasis Masyarakat (WKSBM)"
)
BIMTEK_DATE = datetime.date(2024, 8, 1)
BIMTEK_VENUE = "Villa Kencana"
BIMTEK_REGENCY = "75.02"
BIMTEK_PARTICIPANTS = 31
BIMTEK_SPEAKERS = [
    (
        Speaker.Role.OPENER,
        "Syukri J. Botutihe",
        "Asisten Bidang Pemerintahan",
        "Sekretariat Daerah Provinsi Gorontalo",
    ),
    (
        Speaker.Role.OFFICIAL,
        "Sagita Wartabone",
        "Kepala Dinas Sosial Provinsi Gorontalo",
        "Dinas Sosial Provinsi Gorontalo",
    ),
    (
        Speaker.Role.OFFICIAL,
        "Indry Pakaya",
        "Kepala Bidang PPSKS",
        "Dinas Sosial Provinsi Gorontalo",
    ),
    (
        Speaker.Role.SPEAKER,
        "Nur Eka Prasetyo",
        "Analis Kebijakan Ahli Muda",
        "Kementerian Sosial RI",
    ),
    # The public report names no office for this speaker: none is invented.
    (Speaker.Role.SPEAKER, "Ikhsan Yuridu Firdaus", "Penyuluh Sosial Ahli Pertama", ""),
]


@dataclass
class InstitutionPlan:
    """The demo institutions of each kind, in the order the grant plan uses them."""

    by_kind: dict[str, list[Institution]]
    created: int = 0


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"


def _village_label(village: Village) -> str:
    # Not get_kind_display(): a translated label would change the names, and
    # with them the natural keys that make a rerun find its rows.
    prefix = "Kelurahan" if village.kind == Village.Kind.KELURAHAN else "Desa"
    return f"{prefix} {village.name}"


def _working_day(rng: random.Random, start: datetime.date, days: int) -> datetime.date:
    day = start + datetime.timedelta(days=rng.randrange(days))
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _wksbm_name(rng: random.Random, wksbm_type: str) -> str:
    community = wksbm_type in (WksbmType.PAGUYUBAN, WksbmType.KELOMPOK_ARISAN)
    word = rng.choice(COMMUNITY_NAMES if community else ISLAMIC_NAMES)
    return f"{WKSBM_PREFIXES[wksbm_type]} {word}"


def _new_institution(
    rng: random.Random, serial: int, kind: str, village: Village
) -> Institution:
    regency = village.district.regency
    if kind == Kind.WKSBM:
        wksbm_type = list(WKSBM_PREFIXES)[serial % len(WKSBM_PREFIXES)]
        name = _wksbm_name(rng, wksbm_type)
    elif kind == Kind.KARANG_TARUNA:
        wksbm_type = ""
        name = f"Karang Taruna {rng.choice(KARANG_TARUNA_NAMES)}"
    else:
        wksbm_type = ""
        name = f"LKSA {LKSA_NAMES[serial % len(LKSA_NAMES)]}"
    registered = _working_day(rng, datetime.date(2015, 1, 5), 6 * 365)
    institution = Institution(
        kind=kind,
        wksbm_type=wksbm_type,
        name=f"{name} {_village_label(village)}",
        village=village,
        address=(
            f"{DEMO_NOTE}, {_village_label(village)}, "
            f"Kecamatan {village.district.name}, {regency.name}"
        ),
        leader_name=_person(rng),
        phone=f"08{rng.choice([12, 13, 21, 52, 53, 82])}{rng.randrange(10**8):08d}",
        registration_number=f"460/DEMO/{serial:03d}/{registered.year}",
        registration_date=registered,
        registration_issuer=f"Dinas Sosial {regency.name}",
        npwp=f"0{rng.randrange(10**14, 10**15)}",
        bank_name=rng.choice(BANKS),
        account_number=f"{rng.randrange(10**9, 10**13)}",
    )
    institution.account_holder = institution.name
    return institution


def _license_lksa(
    rng: random.Random, institution: Institution, number: int, first_aided: int
) -> None:
    # Permits and accreditations run five years. Issued in the year
    # before the first grant, both still hold when the LKSA is proposed again
    # up to three years later, so the service's eligibility check passes.
    issued = _working_day(rng, datetime.date(first_aided - 1, 3, 1), 180)
    accredited = issued + datetime.timedelta(days=90)
    institution.permit_number = f"503/DEMO-IZIN/{number:03d}/{issued.year}"
    institution.permit_expires_on = issued.replace(year=issued.year + 5)
    institution.accreditation = [Accreditation.A, Accreditation.B][number % 2]
    institution.accreditation_expires_on = accredited.replace(year=accredited.year + 5)


def plan_institutions(
    counts: dict[str, int], lksa_first_aided: list[int]
) -> dict[str, list[Institution]]:
    """Build, unsaved, the demo institutions: one per village, spread at random."""
    rng = random.Random(f"{SEED}-institutions")
    villages = list(
        Village.objects.select_related("district__regency").order_by("code")
    )
    # Orphanages stand mostly in towns: LKSA take kelurahan first.
    towns = [v for v in villages if v.kind == Village.Kind.KELURAHAN]
    rng.shuffle(towns)
    lksa_villages = towns[: counts[Kind.LKSA]]
    taken = {v.code for v in lksa_villages}
    others = [v for v in villages if v.code not in taken]
    rng.shuffle(others)
    pools = {Kind.LKSA: iter(lksa_villages), None: iter(others)}
    by_kind: dict[str, list[Institution]] = {}
    serial = 0
    for kind in (Kind.WKSBM, Kind.KARANG_TARUNA, Kind.LKSA):
        pool = pools.get(kind, pools[None])
        by_kind[kind] = []
        for index in range(counts[kind]):
            serial += 1
            institution = _new_institution(rng, serial, kind, next(pool))
            if kind == Kind.LKSA:
                _license_lksa(rng, institution, index + 1, lksa_first_aided[index])
            by_kind[kind].append(institution)
    return by_kind


def ensure_institutions(
    by_kind: dict[str, list[Institution]], *, created_by
) -> InstitutionPlan:
    """Save the planned institutions that do not exist yet; reuse the others."""
    existing = {
        (i.kind, i.name_key, i.village_id): i
        for i in Institution.objects.filter(address__startswith=DEMO_NOTE)
    }
    plan = InstitutionPlan(by_kind={})
    for kind, planned in by_kind.items():
        plan.by_kind[kind] = []
        for institution in planned:
            key = (kind, normalize_name(institution.name), institution.village_id)
            if key in existing:
                plan.by_kind[kind].append(existing[key])
                continue
            institution.created_by = created_by
            institution.full_clean()
            institution.save()
            plan.created += 1
            plan.by_kind[kind].append(institution)
    ensure_documents(plan, uploaded_by=created_by)
    return plan


def demo_pdf(text: str = "Pindaian dokumen contoh - data demo (fiktif)") -> bytes:
    """A one-page PDF saying it is a demo scan, written by hand (no WeasyPrint)."""
    stream = f"BT /F1 14 Tf 60 780 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# Demo LKSA (never proposed in the current year) whose domicile letter has
# lapsed or is about to: the institution page and the proposal show the states.
LAPSED_DOMICILE_LKSA = (0, 3)
ENDING_DOMICILE_LKSA = (5,)


def _documents_of(
    institution: Institution, today: datetime.date, lapsed: bool, ending: bool
) -> list[tuple[str, str, datetime.date | None, datetime.date | None]]:
    """(kind, number, issued_on, expires_on) of each required document."""
    registered = institution.registration_date or datetime.date(2015, 1, 5)
    if lapsed:
        domicile_until = today - datetime.timedelta(days=20)
    elif ending:
        domicile_until = today + datetime.timedelta(days=12)
    else:
        domicile_until = today + datetime.timedelta(days=240)
    domicile_from = domicile_until - datetime.timedelta(days=365)
    return [
        (
            DocumentKind.DEED,
            f"AKTA/DEMO/{institution.pk:04d}",
            registered - datetime.timedelta(days=120),
            None,
        ),
        (
            DocumentKind.REGISTRATION,
            institution.registration_number,
            registered,
            today.replace(month=12, day=31) + datetime.timedelta(days=2 * 365),
        ),
        (DocumentKind.NPWP, institution.npwp, registered, None),
        (DocumentKind.BANK_BOOK, institution.account_number, registered, None),
        (
            DocumentKind.DOMICILE,
            f"470/DEMO-DOM/{institution.pk:04d}",
            domicile_from,
            domicile_until,
        ),
    ]


def ensure_documents(plan: InstitutionPlan, *, uploaded_by) -> int:
    """Give each demo institution without documents its five scans (one tiny PDF)."""
    today = timezone.localdate()
    institutions = [i for kind in plan.by_kind.values() for i in kind]
    has_documents = set(
        InstitutionDocument.objects.filter(institution__in=institutions).values_list(
            "institution_id", flat=True
        )
    )
    lksa = plan.by_kind.get(Kind.LKSA, [])
    lapsed = {lksa[i].pk for i in LAPSED_DOMICILE_LKSA if i < len(lksa)}
    ending = {lksa[i].pk for i in ENDING_DOMICILE_LKSA if i < len(lksa)}
    pdf = demo_pdf()
    documents = [
        InstitutionDocument(
            institution=institution,
            kind=kind,
            number=number,
            issued_on=issued_on,
            expires_on=expires_on,
            file=ContentFile(pdf, name="scan.pdf"),
            uploaded_by=uploaded_by,
        )
        for institution in institutions
        if institution.pk not in has_documents
        for kind, number, issued_on, expires_on in _documents_of(
            institution,
            today,
            lapsed=institution.pk in lapsed,
            ending=institution.pk in ending,
        )
    ]
    InstitutionDocument.objects.bulk_create(documents, batch_size=500)
    return len(documents)


def ensure_bimtek(wksbm: list[Institution]) -> tuple[TrainingEvent, int]:
    """Record the 2024 WKSBM Bimtek with its speakers and 31 invented participants."""
    rng = random.Random(f"{SEED}-bimtek")
    event, created = TrainingEvent.objects.get_or_create(
        title=BIMTEK_TITLE,
        start_date=BIMTEK_DATE,
        defaults={
            "kind": TrainingEvent.Kind.BIMTEK,
            "target_kind": Kind.WKSBM,
            "end_date": BIMTEK_DATE,
            "venue": BIMTEK_VENUE,
            "regency": Regency.objects.get(code=BIMTEK_REGENCY),
            "notes": (
                f"{DEMO_NOTE}: lembaga dan nama peserta adalah karangan; "
                "tanggal, tempat dan narasumber mengikuti berita resmi Dinas Sosial."
            ),
        },
    )
    rows = int(created)
    for order, (role, name, position, origin) in enumerate(BIMTEK_SPEAKERS, 1):
        _, made = Speaker.objects.get_or_create(
            event=event,
            name=name,
            defaults={
                "role": role,
                "position": position,
                "origin": origin,
                "order": order,
            },
        )
        rows += made
    for institution in rng.sample(wksbm, BIMTEK_PARTICIPANTS):
        _, made = Participant.objects.get_or_create(
            event=event,
            institution=institution,
            person_name=institution.leader_name,
            defaults={"role": Participant.Role.LEADER},
        )
        rows += made
    return event, rows
