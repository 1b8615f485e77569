"""Idempotent demo data matching the office's published figures (data demo fiktif).

The figures are real: institutions aided per year and kind in 2022-2024, and
176 WKSBM, 78 Karang Taruna and 9 LKSA over the three years. Everything else
(names, amounts, decree and transfer numbers, dates) is invented. Each grant
goes through the workflow services, so its audit trail is the one the app would
have written. Demo logins use the fixed development passwords of `DEMO_USERS`.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from institutions.demo import (
    DEMO_NOTE,
    SEED,
    InstitutionPlan,
    ensure_bimtek,
    ensure_institutions,
    plan_institutions,
)
from institutions.models import Institution
from institutions.regions import RegionLoadResult, load_regions

from . import roles
from .models import AccountabilityReport, Grant, Program
from .services import (
    approve_grant,
    propose_grant,
    record_disbursement,
    record_nphd,
    verify_grant,
)

Kind = Institution.Kind
WKSBM, KARANG_TARUNA, LKSA = Kind.WKSBM, Kind.KARANG_TARUNA, Kind.LKSA

# The office's published figures: institutions aided per year and kind.
AIDED_PER_YEAR = {
    2022: {WKSBM: 22, KARANG_TARUNA: 10, LKSA: 6},
    2023: {WKSBM: 90, KARANG_TARUNA: 50, LKSA: 2},
    2024: {WKSBM: 64, KARANG_TARUNA: 18, LKSA: 3},
}
# 11 LKSA grants went to 9 LKSA: two of the 2022 ones were aided once more.
LKSA_AIDED_AGAIN = {2023: [0], 2024: [1]}

AMOUNT_RANGES = {
    WKSBM: (10_000_000, 25_000_000),
    KARANG_TARUNA: (15_000_000, 30_000_000),
    LKSA: (50_000_000, 100_000_000),
}
AMOUNT_STEP = 500_000
BUDGET_CEILINGS = {2022: 1_750_000_000, 2023: 4_250_000_000, 2024: 2_750_000_000}
# Grantees of these years have handed in most LPJs; 2024's are left for the demo.
LPJ_YEARS = (2022, 2023)
LPJ_SHARE = 0.85

PURPOSES = {
    Institution.WksbmType.MAJELIS_TAKLIM: (
        "Perlengkapan pengajian dan santunan lanjut usia serta anak yatim"
    ),
    Institution.WksbmType.TAKMIRUL_MASJID: (
        "Santunan fakir miskin dan perlengkapan kegiatan sosial masjid"
    ),
    Institution.WksbmType.RUKUN_DUKA: (
        "Perlengkapan rukun duka (tenda, kursi, keranda) dan santunan keluarga berduka"
    ),
    Institution.WksbmType.PAGUYUBAN: (
        "Kegiatan sosial paguyuban dan bantuan bagi warga rentan"
    ),
    Institution.WksbmType.KELOMPOK_ARISAN: (
        "Usaha ekonomi produktif anggota dan santunan warga lanjut usia"
    ),
    KARANG_TARUNA: "Usaha ekonomi produktif pemuda dan kegiatan kesetiakawanan sosial",
    LKSA: "Permakanan, biaya pendidikan dan kesehatan anak asuh",
}

# (username, role group or None for the superuser, first name)
DEMO_USERS = [
    ("admin", None, "Administrator"),
    ("operator", roles.OPERATOR, "Operator"),
    ("verifikator", roles.VERIFIKATOR, "Verifikator"),
    ("pimpinan", roles.PIMPINAN, "Pimpinan"),
    ("bendahara", roles.BENDAHARA, "Bendahara"),
    ("pengamat", roles.PENGAMAT, "Pengamat"),
]


def demo_password(username: str) -> str:
    """Return the fixed development password of a demo login."""
    return f"demo-{username}-2024"


@dataclass
class GrantPlan:
    year: int
    kind: str
    index: int
    amount: int
    proposed_on: datetime.date
    nphd_on: datetime.date
    paid_on: datetime.date
    lpj_on: datetime.date | None
    serial: int


@dataclass
class SeedResult:
    regions: RegionLoadResult
    users: int = 0
    institutions: int = 0
    programs: int = 0
    grants: int = 0
    lpjs: int = 0
    training_rows: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return any(
            (
                self.regions.created,
                self.users,
                self.institutions,
                self.programs,
                self.grants,
                self.lpjs,
                self.training_rows,
            )
        )


def _working_day(rng: random.Random, start: datetime.date, days: int) -> datetime.date:
    day = start + datetime.timedelta(days=rng.randrange(days))
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def plan_grants() -> list[GrantPlan]:
    """Lay out every demo grant: who, how much, and the dates of each step."""
    rng = random.Random(f"{SEED}-grants")
    next_new = dict.fromkeys(AMOUNT_RANGES, 0)
    plans = []
    for year, figures in AIDED_PER_YEAR.items():
        serial = 0
        for kind, count in figures.items():
            again = LKSA_AIDED_AGAIN.get(year, []) if kind == LKSA else []
            fresh = range(next_new[kind], next_new[kind] + count - len(again))
            next_new[kind] += len(fresh)
            low, high = AMOUNT_RANGES[kind]
            for index in [*again, *fresh]:
                serial += 1
                proposed_on = _working_day(rng, datetime.date(year, 2, 1), 56)
                nphd_on = _working_day(rng, datetime.date(year, 6, 3), 14)
                lpj_on = None
                if year in LPJ_YEARS and rng.random() < LPJ_SHARE:
                    lpj_on = _working_day(rng, datetime.date(year + 1, 1, 2), 35)
                plans.append(
                    GrantPlan(
                        year=year,
                        kind=kind,
                        index=index,
                        amount=rng.randrange(low, high + 1, AMOUNT_STEP),
                        proposed_on=proposed_on,
                        nphd_on=nphd_on,
                        paid_on=_working_day(rng, nphd_on, 45),
                        lpj_on=lpj_on,
                        serial=serial,
                    )
                )
    return plans


def institution_counts() -> dict[str, int]:
    """Count the distinct institutions the figures need of each kind."""
    counts = dict.fromkeys(AMOUNT_RANGES, 0)
    for year, figures in AIDED_PER_YEAR.items():
        for kind, count in figures.items():
            again = LKSA_AIDED_AGAIN.get(year, []) if kind == LKSA else []
            counts[kind] += count - len(again)
    return counts


def lksa_first_aided() -> list[int]:
    """Return, per demo LKSA, the year of its first grant."""
    first: list[int] = []
    for year, figures in AIDED_PER_YEAR.items():
        fresh = figures[LKSA] - len(LKSA_AIDED_AGAIN.get(year, []))
        first.extend([year] * fresh)
    return first


def ensure_users() -> tuple[dict[str, User], int]:
    """Create the missing demo logins, one per role plus a superuser."""
    users, created = {}, 0
    for username, role, first_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first_name, last_name="(demo)")
            # Staff work in the workspace, which keeps them to their area; only
            # the administrator uses Django admin.
            user.is_staff = role is None
            user.is_superuser = role is None
            user.set_password(demo_password(username))
            user.save()
            created += 1
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users, created


def ensure_programs() -> tuple[dict[int, Program], int]:
    """Create the missing yearly hibah programmes with invented decrees."""
    programs, created = {}, 0
    for year in AIDED_PER_YEAR:
        program, made = Program.objects.get_or_create(
            year=year,
            name=f"Bantuan Sosial Lembaga {year}",
            defaults={
                "spending_type": Program.SpendingType.HIBAH,
                "covers_wksbm": True,
                "covers_karang_taruna": True,
                "covers_lksa": True,
                "budget_ceiling": BUDGET_CEILINGS[year],
                "decree_number": f"188.44/DEMO-PROGRAM/{year}",
                "decree_date": datetime.date(year, 1, 17),
            },
        )
        programs[year] = program
        created += made
    return programs, created


def _purpose(institution: Institution) -> str:
    return PURPOSES[institution.wksbm_type or institution.kind]


def _run_workflow(
    plan: GrantPlan,
    program: Program,
    institution: Institution,
    users: dict[str, User],
) -> Grant:
    grant, _warnings = propose_grant(
        program=program,
        institution=institution,
        amount=plan.amount,
        by=users["operator"],
        purpose=_purpose(institution),
        note=f"{DEMO_NOTE}: usulan masuk {plan.proposed_on:%d/%m/%Y}.",
        today=plan.proposed_on,
    )
    verify_grant(
        grant,
        by=users["verifikator"],
        checklist={item: {"ok": True} for item in program.checklist},
        note=f"{DEMO_NOTE}: dokumen lengkap, survei lapangan sesuai.",
    )
    approve_grant(
        grant,
        by=users["pimpinan"],
        decree_number=f"400.9/DEMO-PENERIMA/{program.year}",
        decree_date=datetime.date(program.year, 5, 20),
        note=f"{DEMO_NOTE}: ditetapkan sebagai penerima hibah.",
    )
    # Hibah is paid only after the NPHD is signed.
    record_nphd(
        grant,
        by=users["operator"],
        number=f"DEMO/NPHD/{program.year}/{plan.serial:03d}",
        date=plan.nphd_on,
        note=f"{DEMO_NOTE}: NPHD ditandatangani.",
    )
    record_disbursement(
        grant,
        by=users["bendahara"],
        paid_on=plan.paid_on,
        amount=plan.amount,
        transfer_reference=f"SP2D/DEMO/{program.year}/{plan.serial:04d}",
        note=f"{DEMO_NOTE}: disalurkan {plan.paid_on:%d/%m/%Y}.",
    )
    return grant


def ensure_grants(
    plans: list[GrantPlan],
    programs: dict[int, Program],
    institutions: InstitutionPlan,
    users: dict[str, User],
) -> tuple[int, int]:
    """Run the missing grants through the workflow and file their LPJs."""
    existing = {
        (g.program_id, g.institution_id): g
        for g in Grant.objects.filter(program__in=programs.values())
    }
    with_lpj = set(
        AccountabilityReport.objects.filter(
            grant__program__in=programs.values()
        ).values_list("grant_id", flat=True)
    )
    grants = lpjs = 0
    for plan in plans:
        program = programs[plan.year]
        institution = institutions.by_kind[plan.kind][plan.index]
        grant = existing.get((program.pk, institution.pk))
        if grant is None:
            grant = _run_workflow(plan, program, institution, users)
            grants += 1
        if plan.lpj_on and grant.pk not in with_lpj:
            # Left as submitted: accepting an LPJ would close the grant.
            AccountabilityReport.objects.create(
                grant=grant,
                status=AccountabilityReport.Status.SUBMITTED,
                submitted_on=plan.lpj_on,
                amount_spent=plan.amount,
                has_usage_report=True,
                has_signed_statement=True,
                has_receipts=True,
                note=DEMO_NOTE,
                recorded_by=users["operator"],
            )
            lpjs += 1
    return grants, lpjs


@transaction.atomic
def seed_demo() -> SeedResult:
    """Create whatever part of the demo data is missing, all or nothing."""
    result = SeedResult(regions=load_regions(settings.BANSOS_PROVINCE_CODE))
    users, result.users = ensure_users()
    programs, result.programs = ensure_programs()
    institutions = ensure_institutions(
        plan_institutions(institution_counts(), lksa_first_aided()),
        created_by=users["operator"],
    )
    result.institutions = institutions.created
    result.grants, result.lpjs = ensure_grants(
        plan_grants(), programs, institutions, users
    )
    _event, result.training_rows = ensure_bimtek(institutions.by_kind[WKSBM])
    result.logins = [
        (username, demo_password(username), role or "superuser")
        for username, role, _name in DEMO_USERS
    ]
    return result
