"""Idempotent demo data: the office's published figures and the current year's work.

The figures are real: institutions aided per year and kind in 2022-2024, and
176 WKSBM, 78 Karang Taruna and 9 LKSA over the three years. Everything else
(names, amounts, decree and transfer numbers, dates) is invented (data demo
fiktif). Grantees of those years handed in their LPJ, mostly on time and
accepted, a few late, a few never. The current year (WITA) has an open
programme with grants at every step of the workflow, dated back from today so
the demo stays current. Each grant goes through the workflow services, so its
audit trail is the one the app would have written. Demo logins use the fixed
development passwords of `DEMO_USERS`.
"""

import datetime
import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from common.money import rupiah
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
from .models import (
    AccountabilityReport,
    Grant,
    LpjEvidence,
    Program,
    default_lpj_due_date,
)
from .services import (
    Finding,
    approve_grant,
    propose_grant,
    record_disbursement,
    record_lpj,
    record_nphd,
    record_refund,
    reject_grant,
    resubmit_grant,
    return_grant,
    review_lpj,
    verify_grant,
)

Kind = Institution.Kind
WKSBM, KARANG_TARUNA, LKSA = Kind.WKSBM, Kind.KARANG_TARUNA, Kind.LKSA
DAY = datetime.timedelta(days=1)

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

# Past LPJs: most handed in before the due date and accepted, a few late, a few
# never handed in (the overdue list the office chases); some grantees deposit
# money they did not spend, and in the latest published year some still owe it.
LPJ_MISSING_SHARE = 0.04
LPJ_LATE_SHARE = 0.05
REFUND_SHARE = 0.07
REFUND_OUTSTANDING_SHARE = 0.5
REFUND_RANGE = (250_000, 2_500_000)
REFUND_STEP = 50_000

# The current year's programme leaves room under its ceiling for a new user to
# propose and approve more. Its grants go to WKSBM and Karang Taruna only: LKSA
# permits of the demo were issued for the published years.
CURRENT_CEILING = 1_500_000_000
CURRENT_KARANG_TARUNA_SHARE = 0.35

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


class Step(StrEnum):
    """A step of a current-year grant, taken by the demo user of its role."""

    PROPOSE = "propose"
    RETURN = "return"
    RESUBMIT = "resubmit"
    REJECT = "reject"
    VERIFY = "verify"
    APPROVE = "approve"
    NPHD = "nphd"
    PAY = "pay"
    LPJ = "lpj"
    RETURN_LPJ = "return_lpj"
    ACCEPT_LPJ = "accept_lpj"
    DEPOSIT = "deposit"


# Days from the proposal to each step.
STEP_DAYS = {
    Step.PROPOSE: 0,
    Step.RETURN: 12,
    Step.REJECT: 12,
    Step.VERIFY: 12,
    Step.RESUBMIT: 21,
    Step.APPROVE: 26,
    Step.NPHD: 33,
    Step.PAY: 40,
    Step.LPJ: 85,
    Step.RETURN_LPJ: 95,
    Step.ACCEPT_LPJ: 95,
    Step.DEPOSIT: 110,
}
# Proposals for a year's programme may come in the year before; its decree,
# agreements, payments and LPJs fall in the programme's year.
IN_PROGRAM_YEAR = frozenset(
    {
        Step.APPROVE,
        Step.NPHD,
        Step.PAY,
        Step.LPJ,
        Step.RETURN_LPJ,
        Step.ACCEPT_LPJ,
        Step.DEPOSIT,
    }
)


class Stage(NamedTuple):
    steps: tuple[Step, ...]
    count: int
    refund: bool = False


PAID = (Step.PROPOSE, Step.VERIFY, Step.APPROVE, Step.NPHD, Step.PAY)
# The current year's grants, a few at every point of the workflow.
CURRENT_STAGES = (
    Stage((Step.PROPOSE,), 4),
    Stage((Step.PROPOSE, Step.RETURN, Step.RESUBMIT), 1),
    Stage((Step.PROPOSE, Step.RETURN), 3),
    Stage((Step.PROPOSE, Step.REJECT), 2),
    Stage((Step.PROPOSE, Step.VERIFY), 4),
    Stage((Step.PROPOSE, Step.VERIFY, Step.APPROVE), 2),
    Stage((Step.PROPOSE, Step.VERIFY, Step.APPROVE, Step.NPHD), 2),
    Stage(PAID, 4),
    Stage((*PAID, Step.LPJ), 3),
    Stage((*PAID, Step.LPJ, Step.RETURN_LPJ), 1),
    Stage((*PAID, Step.LPJ, Step.ACCEPT_LPJ), 4),
    Stage((*PAID, Step.LPJ, Step.ACCEPT_LPJ), 2, refund=True),
    Stage((*PAID, Step.LPJ, Step.ACCEPT_LPJ, Step.DEPOSIT), 1, refund=True),
)
REASONS = {
    Step.RETURN: [
        "Rencana anggaran biaya belum dirinci per kegiatan.",
        "Surat keterangan domisili lembaga sudah tidak berlaku.",
        "Surat usulan belum ditandatangani ketua lembaga.",
        "Fotokopi buku rekening lembaga tidak terbaca.",
    ],
    Step.REJECT: [
        "Kegiatan yang diusulkan di luar peruntukan bantuan sosial lembaga.",
        "Pengurus lembaga tidak dapat ditemui saat survei lapangan.",
    ],
    Step.RETURN_LPJ: [
        "Bukti pengeluaran belum lengkap: kuitansi pembelian belum dilampirkan.",
    ],
}


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
    refund: int = 0
    refunded_on: datetime.date | None = None


@dataclass
class CurrentGrantPlan:
    """A current-year grant: the steps it has been through and their dates."""

    kind: str
    index: int
    amount: int
    serial: int
    steps: tuple[Step, ...]
    dates: dict[Step, datetime.date]
    refund: int = 0
    reason: str = ""


@dataclass
class SeedResult:
    regions: RegionLoadResult
    users: int = 0
    institutions: int = 0
    programs: int = 0
    grants: int = 0
    lpjs: int = 0
    lpj_reviews: int = 0
    refunds: int = 0
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
                self.lpj_reviews,
                self.refunds,
                self.training_rows,
            )
        )


def _working_day(rng: random.Random, start: datetime.date, days: int) -> datetime.date:
    day = start + datetime.timedelta(days=rng.randrange(days))
    while day.weekday() >= 5:
        day += DAY
    return day


def _working_day_until(day: datetime.date) -> datetime.date:
    """The day itself, or the Friday before a weekend: never later than `day`."""
    while day.weekday() >= 5:
        day -= DAY
    return day


def _plan_lpj(
    rng: random.Random, year: int, amount: int
) -> tuple[datetime.date | None, int, datetime.date | None]:
    """When a past grantee handed in the LPJ, what it refunded, and when."""
    due = default_lpj_due_date(year)
    outcome = rng.random()
    if outcome < LPJ_MISSING_SHARE:
        return None, 0, None
    if outcome < LPJ_MISSING_SHARE + LPJ_LATE_SHARE:
        lpj_on = _working_day(rng, due + 3 * DAY, 75)
    else:
        # From October (payments end in August) to a few days before the due
        # date, so a weekend moved on to the Monday still falls before it.
        start = datetime.date(year, 10, 1)
        lpj_on = _working_day(rng, start, (due - start).days - 4)
    if rng.random() >= REFUND_SHARE:
        return lpj_on, 0, None
    low, high = REFUND_RANGE
    refund = min(rng.randrange(low, high + 1, REFUND_STEP), amount // 10)
    refunded_on = None
    if year != max(AIDED_PER_YEAR) or rng.random() >= REFUND_OUTSTANDING_SHARE:
        refunded_on = _working_day(rng, lpj_on + 7 * DAY, 30)
    return lpj_on, refund, refunded_on


def plan_grants() -> list[GrantPlan]:
    """Lay out every published grant: who, how much, the dates of each step, the LPJ."""
    rng = random.Random(f"{SEED}-grants")
    lpj_rng = random.Random(f"{SEED}-lpj")
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
                amount = rng.randrange(low, high + 1, AMOUNT_STEP)
                lpj_on, refund, refunded_on = _plan_lpj(lpj_rng, year, amount)
                plans.append(
                    GrantPlan(
                        year=year,
                        kind=kind,
                        index=index,
                        amount=amount,
                        proposed_on=proposed_on,
                        nphd_on=nphd_on,
                        paid_on=_working_day(rng, nphd_on, 45),
                        lpj_on=lpj_on,
                        serial=serial,
                        refund=refund,
                        refunded_on=refunded_on,
                    )
                )
    return plans


def has_current_year(today: datetime.date) -> bool:
    """Whether `today` falls after the published years, so the demo adds its year.

    Only the current year is added: a demo run in, say, 2027 has no programme
    for 2025 and 2026, which nobody needs to try the workflow.
    """
    return today.year > max(AIDED_PER_YEAR)


def plan_current_year(
    today: datetime.date, past: list[GrantPlan]
) -> list[CurrentGrantPlan]:
    """Lay out the current year's grants, each step dated back from today."""
    rng = random.Random(f"{SEED}-current-{today.year}")
    # Grantees whose LPJ is overdue are left out: the office chases those first.
    overdue = {(plan.kind, plan.index) for plan in past if plan.lpj_on is None}
    counts = institution_counts()
    pools = {
        kind: [i for i in range(counts[kind]) if (kind, i) not in overdue]
        for kind in (WKSBM, KARANG_TARUNA)
    }
    for pool in pools.values():
        rng.shuffle(pool)
    year_start = datetime.date(today.year, 1, 1)
    plans = []
    for stage in CURRENT_STAGES:
        for _ in range(stage.count):
            kind = (
                KARANG_TARUNA if rng.random() < CURRENT_KARANG_TARUNA_SHARE else WKSBM
            )
            low, high = AMOUNT_RANGES[kind]
            # The last step lies a few days to three weeks back.
            last = STEP_DAYS[stage.steps[-1]] + rng.randrange(3, 22)
            proposed = today - last * DAY
            dates = {}
            for step in stage.steps:
                day = _working_day_until(proposed + STEP_DAYS[step] * DAY)
                dates[step] = max(day, year_start) if step in IN_PROGRAM_YEAR else day
            reasons = [REASONS[step] for step in stage.steps if step in REASONS]
            plans.append(
                CurrentGrantPlan(
                    kind=kind,
                    index=pools[kind].pop(),
                    amount=rng.randrange(low, high + 1, AMOUNT_STEP),
                    serial=len(plans) + 1,
                    steps=stage.steps,
                    dates=dates,
                    refund=(
                        rng.randrange(REFUND_RANGE[0], REFUND_RANGE[1] + 1, REFUND_STEP)
                        if stage.refund
                        else 0
                    ),
                    reason=rng.choice(reasons[0]) if reasons else "",
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
            # An address on a reserved domain: LPJ reminders to the operator
            # show on the console under DEBUG and can never reach anyone.
            user = User(
                username=username,
                first_name=first_name,
                last_name="(demo)",
                email=f"{username}@bansos.example",
            )
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


def ensure_programs(today: datetime.date) -> tuple[dict[int, Program], int]:
    """Create the missing yearly hibah programmes with invented decrees."""
    ceilings = dict(BUDGET_CEILINGS)
    if has_current_year(today):
        ceilings[today.year] = CURRENT_CEILING
    programs, created = {}, 0
    for year, ceiling in ceilings.items():
        program, made = Program.objects.get_or_create(
            year=year,
            name=f"Bantuan Sosial Lembaga {year}",
            defaults={
                "spending_type": Program.SpendingType.HIBAH,
                "covers_wksbm": True,
                "covers_karang_taruna": True,
                "covers_lksa": True,
                "budget_ceiling": ceiling,
                "decree_number": f"188.44/DEMO-PROGRAM/{year}",
                "decree_date": min(datetime.date(year, 1, 17), today),
            },
        )
        programs[year] = program
        created += made
    return programs, created


def _purpose(institution: Institution) -> str:
    return PURPOSES[institution.wksbm_type or institution.kind]


def _checklist(program: Program) -> dict[str, dict]:
    return {item: {"ok": True} for item in program.checklist}


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
        checklist=_checklist(program),
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


# A one-page PDF standing for each scan: the checks accept it, a viewer opens it.
DEMO_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _scan(name: str) -> ContentFile:
    return ContentFile(DEMO_SCAN, name=f"{name}.pdf")


def _findings(**to_fix: str) -> dict[str, Finding]:
    """Every evidence item in order but those `to_fix` (kind=note)."""
    return {
        kind.value: Finding(
            in_order=kind.value not in to_fix, note=to_fix.get(kind.value, "")
        )
        for kind in LpjEvidence.Kind
    }


def _record_lpj(
    grant: Grant, users: dict[str, User], *, submitted_on: datetime.date, refund: int
) -> AccountabilityReport:
    due = grant.program.lpj_due_date
    late = f", terlambat dari batas {due:%d/%m/%Y}" if submitted_on > due else ""
    return record_lpj(
        grant,
        by=users["operator"],
        submitted_on=submitted_on,
        amount_spent=grant.amount - refund,
        refund_amount=refund,
        evidence={kind.value: [_scan(kind.value)] for kind in LpjEvidence.Kind},
        note=f"{DEMO_NOTE}: LPJ masuk {submitted_on:%d/%m/%Y}{late}.",
    )


def _accept_lpj(report: AccountabilityReport, users: dict[str, User]) -> None:
    if report.refund_amount:
        note = (
            f"{DEMO_NOTE}: LPJ lengkap; sisa dana {rupiah(report.refund_amount)} "
            "wajib disetor ke kas daerah."
        )
    else:
        note = f"{DEMO_NOTE}: LPJ lengkap, penggunaan dana sesuai peruntukan."
    review_lpj(report, by=users["verifikator"], items=_findings(), note=note)


def _deposit(
    grant: Grant, users: dict[str, User], *, refunded_on: datetime.date, serial: int
) -> None:
    record_refund(
        grant,
        by=users["bendahara"],
        refunded_on=refunded_on,
        refund_reference=f"STS/DEMO/{grant.program.year}/{serial:04d}",
        refund_proof=_scan("setoran"),
    )


def _settle_lpj(
    plan: GrantPlan,
    grant: Grant,
    report: AccountabilityReport | None,
    users: dict[str, User],
    today: datetime.date,
    result: SeedResult,
) -> None:
    """Record, accept and settle a past grant's LPJ as far as it has come by today."""
    if plan.lpj_on is None or plan.lpj_on > today:
        return
    if report is None:
        report = _record_lpj(grant, users, submitted_on=plan.lpj_on, refund=plan.refund)
        result.lpjs += 1
    if report.status == AccountabilityReport.Status.SUBMITTED:
        _accept_lpj(report, users)
        result.lpj_reviews += 1
        grant.refresh_from_db(fields=["status"])
    if (
        plan.refunded_on is not None
        and plan.refunded_on <= today
        and grant.status == Grant.Status.REFUND_DUE
    ):
        _deposit(grant, users, refunded_on=plan.refunded_on, serial=plan.serial)
        result.refunds += 1


def ensure_grants(
    plans: list[GrantPlan],
    programs: dict[int, Program],
    institutions: InstitutionPlan,
    users: dict[str, User],
    today: datetime.date,
    result: SeedResult,
) -> None:
    """Run the missing published grants through the workflow and settle their LPJs."""
    past = [programs[year] for year in AIDED_PER_YEAR]
    existing = {
        (g.program_id, g.institution_id): g
        for g in Grant.objects.filter(program__in=past).select_related("program")
    }
    reports = {
        report.grant_id: report
        for report in AccountabilityReport.objects.filter(grant__program__in=past)
    }
    for plan in plans:
        program = programs[plan.year]
        institution = institutions.by_kind[plan.kind][plan.index]
        grant = existing.get((program.pk, institution.pk))
        if grant is None:
            grant = _run_workflow(plan, program, institution, users)
            result.grants += 1
        _settle_lpj(plan, grant, reports.get(grant.pk), users, today, result)


def _run_current_grant(
    plan: CurrentGrantPlan,
    program: Program,
    institution: Institution,
    users: dict[str, User],
) -> int:
    """Take a current-year grant through its steps; return how many LPJs it got."""
    on, year, serial = plan.dates, program.year, plan.serial
    operator, verifier = users["operator"], users["verifikator"]
    grant, _warnings = propose_grant(
        program=program,
        institution=institution,
        amount=plan.amount,
        by=operator,
        purpose=_purpose(institution),
        note=f"{DEMO_NOTE}: usulan masuk {on[Step.PROPOSE]:%d/%m/%Y}.",
        today=on[Step.PROPOSE],
    )
    report = None
    for step in plan.steps[1:]:
        day = f"{on[step]:%d/%m/%Y}"
        if step == Step.RETURN:
            note = f"{DEMO_NOTE}: dikembalikan {day}. {plan.reason}"
            grant = return_grant(grant, by=verifier, note=note)
        elif step == Step.RESUBMIT:
            note = f"{DEMO_NOTE}: diajukan kembali {day} dengan kekurangan dilengkapi."
            grant = resubmit_grant(grant, by=operator, note=note)
        elif step == Step.REJECT:
            reason = f"{DEMO_NOTE}: ditolak {day}. {plan.reason}"
            grant = reject_grant(grant, by=verifier, reason=reason)
        elif step == Step.VERIFY:
            grant = verify_grant(
                grant,
                by=verifier,
                checklist=_checklist(program),
                note=f"{DEMO_NOTE}: diverifikasi {day}; dokumen lengkap, survei "
                "lapangan sesuai.",
            )
        elif step == Step.APPROVE:
            grant = approve_grant(
                grant,
                by=users["pimpinan"],
                decree_number=f"400.9/DEMO-PENERIMA/{year}/{serial:03d}",
                decree_date=on[step],
                note=f"{DEMO_NOTE}: ditetapkan sebagai penerima hibah.",
            )
        elif step == Step.NPHD:
            grant = record_nphd(
                grant,
                by=operator,
                number=f"DEMO/NPHD/{year}/{serial:03d}",
                date=on[step],
                note=f"{DEMO_NOTE}: NPHD ditandatangani.",
                scan=_scan("nphd"),
            )
        elif step == Step.PAY:
            record_disbursement(
                grant,
                by=users["bendahara"],
                paid_on=on[step],
                amount=plan.amount,
                transfer_reference=f"SP2D/DEMO/{year}/{serial:04d}",
                note=f"{DEMO_NOTE}: disalurkan {day}.",
            )
        elif step == Step.LPJ:
            report = _record_lpj(
                grant, users, submitted_on=on[step], refund=plan.refund
            )
        elif step == Step.RETURN_LPJ:
            note = f"{DEMO_NOTE}: dikembalikan {day}. {plan.reason}"
            review_lpj(report, by=verifier, items=_findings(kuitansi=note))
        elif step == Step.ACCEPT_LPJ:
            _accept_lpj(report, users)
        elif step == Step.DEPOSIT:
            _deposit(grant, users, refunded_on=on[step], serial=serial)
    return int(report is not None)


def ensure_current_year(
    plans: list[CurrentGrantPlan],
    program: Program,
    institutions: InstitutionPlan,
    users: dict[str, User],
    result: SeedResult,
) -> None:
    """Run the missing current-year grants through their steps."""
    proposed = set(program.grants.values_list("institution_id", flat=True))
    for plan in plans:
        institution = institutions.by_kind[plan.kind][plan.index]
        if institution.pk in proposed:
            continue
        result.lpjs += _run_current_grant(plan, program, institution, users)
        result.grants += 1


@transaction.atomic
def seed_demo() -> SeedResult:
    """Create whatever part of the demo data is missing, all or nothing."""
    today = timezone.localdate()
    result = SeedResult(regions=load_regions(settings.BANSOS_PROVINCE_CODE))
    users, result.users = ensure_users()
    programs, result.programs = ensure_programs(today)
    institutions = ensure_institutions(
        plan_institutions(institution_counts(), lksa_first_aided()),
        created_by=users["operator"],
    )
    result.institutions = institutions.created
    plans = plan_grants()
    ensure_grants(plans, programs, institutions, users, today, result)
    if has_current_year(today):
        ensure_current_year(
            plan_current_year(today, plans),
            programs[today.year],
            institutions,
            users,
            result,
        )
    _event, result.training_rows = ensure_bimtek(institutions.by_kind[WKSBM])
    result.logins = [
        (username, demo_password(username), role or "superuser")
        for username, role, _name in DEMO_USERS
    ]
    return result
