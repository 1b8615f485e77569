import datetime
import random
from collections import Counter, defaultdict

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from grants.demo import (
    DEMO_USERS,
    IN_PROGRAM_YEAR,
    Step,
    demo_password,
    has_current_year,
    plan_current_year,
    plan_grants,
    seed_demo,
)
from grants.models import AccountabilityReport, Disbursement, Grant, GrantEvent, Program
from institutions.demo import BIMTEK_TITLE, DEMO_NOTE
from institutions.models import Institution, Regency, TrainingEvent, Village

pytestmark = pytest.mark.django_db

WKSBM, KT, LKSA = "wksbm", "karang_taruna", "lksa"
PUBLISHED_YEARS = (2022, 2024)
Status = Grant.Status
LpjStatus = AccountabilityReport.Status
# The role of whoever takes each recorded step: (kind, from status, to status).
STEP_ROLES = {
    ("status", "", Status.PROPOSED): "Operator",
    ("status", Status.NEEDS_REVISION, Status.PROPOSED): "Operator",
    ("status", Status.PROPOSED, Status.VERIFIED): "Verifikator",
    ("status", Status.PROPOSED, Status.NEEDS_REVISION): "Verifikator",
    ("status", Status.PROPOSED, Status.REJECTED): "Verifikator",
    ("status", Status.VERIFIED, Status.APPROVED): "Pimpinan",
    ("nphd", Status.APPROVED, Status.APPROVED): "Operator",
    ("status", Status.APPROVED, Status.DISBURSED): "Bendahara",
    ("status", Status.DISBURSED, Status.CLOSED): "Verifikator",
    ("status", Status.DISBURSED, Status.REFUND_DUE): "Verifikator",
    ("status", Status.REFUND_DUE, Status.CLOSED): "Bendahara",
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once per module, in a transaction rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed_demo()
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count() for model in apps.get_models()
    }


# Kept first: it needs the empty database the module fixture has not filled yet.
def test_a_failure_midway_leaves_nothing_written():
    assert not Grant.objects.exists(), "must run before the `seeded` fixture"
    Program.objects.create(
        year=2022, name="Bantuan Sosial Lembaga 2022", budget_ceiling=1
    )
    before = row_counts()
    with pytest.raises(CommandError, match="melampaui pagu"):
        call_command("seed_demo", "--force")
    assert row_counts() == before
    assert not Village.objects.exists()


def test_the_plan_ignores_the_global_random_generator():
    state = random.getstate()
    today = datetime.date(2026, 11, 30)
    try:
        random.seed(1)
        first = plan_grants()
        first_current = plan_current_year(today, first)
        random.seed(2)
        assert plan_grants() == first
        assert plan_current_year(today, first) == first_current
    finally:
        random.setstate(state)


def test_aided_institutions_per_year_and_kind_match_the_published_figures(seeded):
    rows = (
        Grant.objects.aided()
        .filter(program__year__range=PUBLISHED_YEARS)
        .values_list("program__year", "institution__kind")
        .annotate(n=Count("institution", distinct=True))
    )
    assert {(year, kind): n for year, kind, n in rows} == {
        (2022, WKSBM): 22,
        (2022, KT): 10,
        (2022, LKSA): 6,
        (2023, WKSBM): 90,
        (2023, KT): 50,
        (2023, LKSA): 2,
        (2024, WKSBM): 64,
        (2024, KT): 18,
        (2024, LKSA): 3,
    }


def test_distinct_institutions_aided_2022_to_2024_match_the_published_figures(
    seeded,
):
    rows = (
        Grant.objects.aided()
        .filter(program__year__range=PUBLISHED_YEARS)
        .values_list("institution__kind")
        .annotate(n=Count("institution", distinct=True), grants=Count("pk"))
    )
    assert {kind: (n, grants) for kind, n, grants in rows} == {
        WKSBM: (176, 176),
        KT: (78, 78),
        LKSA: (9, 11),
    }


def test_exactly_two_lksa_are_aided_twice_in_different_years(seeded):
    twice = (
        Institution.objects.filter(kind=LKSA)
        .annotate(
            n=Count("grants"), years=Count("grants__program__year", distinct=True)
        )
        .filter(n__gt=1)
    )
    assert [(i.n, i.years) for i in twice] == [(2, 2), (2, 2)]


def test_aided_institutions_are_spread_over_every_regency(seeded):
    aided_villages = set(
        Grant.objects.aided().values_list("institution__village_id", flat=True)
    )
    assert {code[:5] for code in aided_villages} == set(
        Regency.objects.values_list("code", flat=True)
    )
    assert len(aided_villages) > 200


def test_wksbm_subtypes_are_varied(seeded):
    subtypes = set(
        Institution.objects.filter(kind=WKSBM).values_list("wksbm_type", flat=True)
    )
    assert subtypes == {
        "majelis_taklim",
        "takmirul_masjid",
        "rukun_duka",
        "paguyuban",
        "kelompok_arisan",
    }


def test_every_paid_grant_is_paid_in_full_in_one_payment(seeded):
    grants = Grant.objects.annotate(
        paid=Sum("disbursements__amount"), payments=Count("disbursements")
    )
    published = grants.filter(program__year__range=PUBLISHED_YEARS)
    assert published.count() == 265
    assert not published.exclude(status__in=Grant.AIDED_STATUSES).exists()
    for grant in grants.aided():
        assert (grant.payments, grant.paid) == (1, grant.amount)
        assert grant.amount % 500_000 == 0
        assert grant.decree_number and grant.nphd_number
    assert not Disbursement.objects.exclude(grant__in=grants.aided()).exists()


def test_amounts_are_realistic_for_each_kind(seeded):
    bounds = {
        WKSBM: (10_000_000, 25_000_000),
        KT: (15_000_000, 30_000_000),
        LKSA: (50_000_000, 100_000_000),
    }
    for kind, amount in Grant.objects.values_list("institution__kind", "amount"):
        low, high = bounds[kind]
        assert low <= amount <= high


def trails() -> dict[int, list[tuple[str, str, str, int]]]:
    """Each grant's recorded steps, in order: (kind, from, to, actor id)."""
    steps = defaultdict(list)
    events = GrantEvent.objects.order_by("grant", "created_at", "pk").values_list(
        "grant_id", "kind", "from_status", "to_status", "actor_id"
    )
    for grant_id, *step in events:
        steps[grant_id].append(tuple(step))
    return steps


def test_every_step_was_taken_by_a_demo_user_of_the_right_role(seeded):
    roles = dict(User.objects.values_list("pk", "groups__name"))
    steps = trails()
    assert len(steps) == Grant.objects.count()
    for trail in steps.values():
        assert [roles[actor] for *step, actor in trail] == [
            STEP_ROLES[tuple(step)] for *step, actor in trail
        ]
    for grant in Grant.objects.all():
        assert steps[grant.pk][-1][2] == grant.status


def test_every_published_grant_went_the_whole_way_and_most_were_settled(seeded):
    status, nphd = GrantEvent.Kind.STATUS, GrantEvent.Kind.NPHD
    paid = [
        (status, "", Status.PROPOSED),
        (status, Status.PROPOSED, Status.VERIFIED),
        (status, Status.VERIFIED, Status.APPROVED),
        (nphd, Status.APPROVED, Status.APPROVED),
        (status, Status.APPROVED, Status.DISBURSED),
    ]
    published = set(
        Grant.objects.filter(program__year__range=PUBLISHED_YEARS).values_list(
            "pk", flat=True
        )
    )
    endings = defaultdict(int)
    for grant_id, trail in trails().items():
        if grant_id in published:
            assert [step[:3] for step in trail[:5]] == paid
            endings[tuple(to for _kind, _from, to, _actor in trail[5:])] += 1
    assert set(endings) == {
        (),
        (Status.CLOSED,),
        (Status.REFUND_DUE,),
        (Status.REFUND_DUE, Status.CLOSED),
    }
    assert endings[(Status.CLOSED,)] > 0.85 * len(published)


def test_no_one_checks_approves_or_pays_what_they_did_themselves(seeded):
    for trail in trails().values():
        actors = defaultdict(set)
        for kind, _from, to, actor in trail:
            assert actor is not None
            if kind == GrantEvent.Kind.STATUS:
                actors[to].add(actor)
        makers = actors[Status.PROPOSED]
        checkers = actors[Status.VERIFIED] | actors[Status.NEEDS_REVISION]
        checkers |= actors[Status.REJECTED] | actors[Status.APPROVED]
        assert not makers & checkers
        assert not actors[Status.VERIFIED] & actors[Status.APPROVED]
        assert not actors[Status.APPROVED] & actors[Status.DISBURSED]
    reviewed = AccountabilityReport.objects.exclude(reviewed_by=None)
    assert reviewed.exists()
    assert not reviewed.filter(reviewed_by=F("recorded_by")).exists()
    assert not AccountabilityReport.objects.filter(recorded_by=None).exists()


def test_lksa_permits_and_accreditations_held_in_the_years_they_were_aided(seeded):
    for grant in Grant.objects.filter(institution__kind=LKSA).select_related(
        "institution", "program"
    ):
        proposals_close = datetime.date(grant.program.year, 3, 31)
        assert grant.institution.permit_expires_on > proposals_close
        assert grant.institution.accreditation_expires_on > proposals_close
        assert grant.institution.accreditation in {"A", "B", "C"}


def test_demo_data_says_it_is_fictional(seeded):
    assert not Institution.objects.exclude(address__startswith=DEMO_NOTE).exists()
    assert not AccountabilityReport.objects.exclude(note__startswith=DEMO_NOTE).exists()
    # The refund service writes its own note, naming the (invented) deposit slip.
    others = GrantEvent.objects.exclude(note__startswith=DEMO_NOTE)
    assert set(others.values_list("from_status", "to_status")) == {
        (Status.REFUND_DUE, Status.CLOSED)
    }
    assert all("STS/DEMO/" in note for note in others.values_list("note", flat=True))


def test_past_lpjs_are_mostly_accepted_a_few_late_or_missing(seeded):
    aided = Grant.objects.aided().filter(program__year__range=PUBLISHED_YEARS)
    accepted = aided.filter(accountability_report__status=LpjStatus.ACCEPTED)
    early = (2022, 2023)
    assert (
        accepted.filter(program__year__in=early).count()
        >= 0.8 * aided.filter(program__year__in=early).count()
    )
    assert accepted.count() == aided.exclude(accountability_report=None).count()
    late = accepted.filter(
        accountability_report__submitted_on__gt=F("program__lpj_due_date")
    )
    missing = aided.overdue_lpj(timezone.localdate())
    assert late.exists()
    assert missing.exists()
    assert late.count() + missing.count() <= 0.1 * aided.count()
    assert missing.count() == aided.filter(accountability_report=None).count()


def test_some_grantees_refunded_unspent_money_and_a_few_still_owe_it(seeded):
    refunds = AccountabilityReport.objects.filter(
        refund_amount__gt=0, grant__program__year__range=PUBLISHED_YEARS
    )
    deposited = refunds.exclude(refunded_on=None)
    assert deposited.exists()
    assert set(deposited.values_list("grant__status", flat=True)) == {Status.CLOSED}
    assert not deposited.filter(refund_reference="").exists()
    owed = refunds.filter(refunded_on=None)
    assert owed.exists()
    assert set(owed.values_list("grant__status", flat=True)) == {Status.REFUND_DUE}
    for report in AccountabilityReport.objects.filter(status=LpjStatus.ACCEPTED):
        assert report.amount_spent + report.refund_amount == report.grant.amount


def test_the_current_year_has_an_open_programme_with_grants_at_every_step(seeded):
    today = timezone.localdate()
    assert has_current_year(today)
    program = Program.objects.get(year=today.year)
    assert program.is_open
    assert program.budget_ceiling > program.grants.committed_total() > 0
    statuses = Counter(program.grants.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert all(2 <= n <= 8 for n in statuses.values())
    assert 25 <= program.grants.count() <= 40
    lpjs = AccountabilityReport.objects.filter(grant__program=program)
    assert set(lpjs.values_list("status", flat=True)) == set(LpjStatus.values)
    # A revised proposal, back in the queue after the Verifikator returned it.
    resubmitted = GrantEvent.objects.filter(
        grant__program=program, from_status=Status.NEEDS_REVISION
    )
    assert resubmitted.filter(grant__status=Status.PROPOSED).exists()
    for grant in program.grants.all():
        assert 5_000_000 <= grant.amount <= 50_000_000
        assert grant.amount % 1000 == 0


def test_no_date_lies_in_the_future_and_every_step_follows_the_last(seeded):
    today, now = timezone.localdate(), timezone.now()
    dated = (
        Program.objects.filter(decree_date__gt=today),
        Grant.objects.filter(Q(decree_date__gt=today) | Q(nphd_date__gt=today)),
        Disbursement.objects.filter(paid_on__gt=today),
        AccountabilityReport.objects.filter(
            Q(submitted_on__gt=today) | Q(refunded_on__gt=today)
        ),
        GrantEvent.objects.filter(created_at__gt=now),
    )
    assert not any(rows.exists() for rows in dated)
    for grant in Grant.objects.exclude(decree_date=None).select_related("program"):
        assert grant.decree_date.year == grant.program.year
        assert grant.nphd_date is None or grant.nphd_date >= grant.decree_date
    for paid in Disbursement.objects.select_related("grant"):
        assert paid.paid_on >= paid.grant.nphd_date
    for report in AccountabilityReport.objects.select_related("grant"):
        assert report.submitted_on >= report.grant.disbursements.get().paid_on
        assert report.refunded_on is None or report.refunded_on >= report.submitted_on


def test_a_second_run_changes_nothing(seeded):
    before = row_counts()
    statuses = list(Grant.objects.values_list("pk", "status").order_by("pk"))
    result = seed_demo()
    assert not result.created_anything
    assert row_counts() == before
    assert list(Grant.objects.values_list("pk", "status").order_by("pk")) == statuses


def test_a_run_later_in_the_year_changes_nothing(seeded, monkeypatch):
    today = timezone.localdate()
    later = min(today + datetime.timedelta(days=7), datetime.date(today.year, 12, 31))
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    before = row_counts()
    assert not seed_demo().created_anything
    assert row_counts() == before


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2027, 1, 1),
        datetime.date(2027, 1, 4),
        datetime.date(2027, 3, 1),
        datetime.date(2027, 12, 31),
    ],
)
def test_current_year_dates_fit_the_programme_year_whatever_the_day(today):
    plans = plan_current_year(today, plan_grants())
    year_start = datetime.date(today.year, 1, 1)
    for plan in plans:
        days = [plan.dates[step] for step in plan.steps]
        assert days == sorted(days)
        assert plan.dates[Step.PROPOSE] >= datetime.date(today.year - 1, 1, 1)
        assert days[-1] <= today
        for step in IN_PROGRAM_YEAR & set(plan.steps):
            assert plan.dates[step] >= year_start


def test_the_current_year_picks_the_same_grantees_all_year_none_with_lpj_overdue():
    past = plan_grants()
    overdue = {(p.kind, p.index) for p in past if p.lpj_on is None}
    picked = {
        day: [(p.kind, p.index) for p in plan_current_year(day, past)]
        for day in (datetime.date(2026, 2, 2), datetime.date(2026, 11, 30))
    }
    first, second = picked.values()
    assert first == second
    assert len(set(first)) == len(first)
    assert overdue and not overdue & set(first)
    assert not has_current_year(datetime.date(2024, 12, 31))


def test_the_bimtek_has_31_wksbm_participants_and_its_speakers(seeded):
    event = TrainingEvent.objects.get(title=BIMTEK_TITLE)
    assert (event.start_date, event.end_date) == (datetime.date(2024, 8, 1),) * 2
    assert (event.venue, event.regency_id, event.kind, event.target_kind) == (
        "Villa Kencana",
        "75.02",
        "bimtek",
        WKSBM,
    )
    participants = event.participants.all()
    assert participants.count() == 31
    assert participants.values("institution").distinct().count() == 31
    assert set(participants.values_list("institution__kind", flat=True)) == {WKSBM}
    assert all(
        p.person_name == p.institution.leader_name and p.role == "ketua"
        for p in participants.select_related("institution")
    )
    assert set(event.speakers.values_list("role", "name", "position", "origin")) == {
        (
            "pembuka",
            "Syukri J. Botutihe",
            "Asisten Bidang Pemerintahan",
            "Sekretariat Daerah Provinsi Gorontalo",
        ),
        (
            "pendamping",
            "Sagita Wartabone",
            "Kepala Dinas Sosial Provinsi Gorontalo",
            "Dinas Sosial Provinsi Gorontalo",
        ),
        (
            "pendamping",
            "Indry Pakaya",
            "Kepala Bidang PPSKS",
            "Dinas Sosial Provinsi Gorontalo",
        ),
        (
            "narasumber",
            "Nur Eka Prasetyo",
            "Analis Kebijakan Ahli Muda",
            "Kementerian Sosial RI",
        ),
        ("narasumber", "Ikhsan Yuridu Firdaus", "Penyuluh Sosial Ahli Pertama", ""),
    }


@pytest.mark.parametrize(("username", "role", "_name"), DEMO_USERS)
def test_demo_users_have_their_role_and_can_log_in(
    seeded, client, username, role, _name
):
    user = User.objects.get(username=username)
    assert user.is_staff == (role is None)
    assert user.is_superuser == (role is None)
    assert list(user.groups.values_list("name", flat=True)) == ([role] if role else [])
    assert client.login(username=username, password=demo_password(username))


def test_the_command_refuses_without_debug(seeded, settings):
    settings.DEBUG = False
    before = row_counts()
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert row_counts() == before


def test_the_command_runs_with_force_and_prints_the_logins(seeded, settings, capsys):
    settings.DEBUG = False
    call_command("seed_demo", "--force")
    out = capsys.readouterr().out
    assert "Data demo (fiktif)" in out
    assert "nothing changed" in out
    for username, _role, _name in DEMO_USERS:
        assert f"{username:<12} {demo_password(username)}" in out
