import datetime
import random
from collections import defaultdict

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Sum

from grants.demo import DEMO_USERS, demo_password, plan_grants, seed_demo
from grants.models import AccountabilityReport, Disbursement, Grant, GrantEvent, Program
from institutions.demo import BIMTEK_TITLE, DEMO_NOTE
from institutions.models import Institution, Regency, TrainingEvent, Village

pytestmark = pytest.mark.django_db

WKSBM, KT, LKSA = "wksbm", "karang_taruna", "lksa"
Status = Grant.Status


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
    try:
        random.seed(1)
        first = plan_grants()
        random.seed(2)
        assert plan_grants() == first
    finally:
        random.setstate(state)


def test_aided_institutions_per_year_and_kind_match_the_published_figures(seeded):
    rows = (
        Grant.objects.aided()
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
        .filter(program__year__range=(2022, 2024))
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


def test_every_grant_is_disbursed_in_full_in_one_payment(seeded):
    grants = Grant.objects.annotate(
        paid=Sum("disbursements__amount"), payments=Count("disbursements")
    )
    assert grants.count() == 265
    for grant in grants:
        assert grant.status == Status.DISBURSED
        assert (grant.payments, grant.paid) == (1, grant.amount)
        assert grant.amount % 500_000 == 0
        assert grant.decree_number and grant.nphd_number
    assert Disbursement.objects.count() == 265


def test_amounts_are_realistic_for_each_kind(seeded):
    bounds = {
        WKSBM: (10_000_000, 25_000_000),
        KT: (15_000_000, 30_000_000),
        LKSA: (50_000_000, 100_000_000),
    }
    for kind, amount in Grant.objects.values_list("institution__kind", "amount"):
        low, high = bounds[kind]
        assert low <= amount <= high


def test_every_grant_went_through_the_workflow_by_the_right_roles(seeded):
    steps = defaultdict(list)
    events = GrantEvent.objects.order_by("grant", "created_at", "pk").values_list(
        "grant_id", "kind", "from_status", "to_status", "actor__groups__name"
    )
    for grant_id, kind, from_status, to_status, role in events:
        steps[grant_id].append((kind, from_status, to_status, role))
    assert len(steps) == Grant.objects.count()
    status, nphd = GrantEvent.Kind.STATUS, GrantEvent.Kind.NPHD
    expected = [
        (status, "", Status.PROPOSED, "Operator"),
        (status, Status.PROPOSED, Status.VERIFIED, "Verifikator"),
        (status, Status.VERIFIED, Status.APPROVED, "Pimpinan"),
        (nphd, Status.APPROVED, Status.APPROVED, "Operator"),
        (status, Status.APPROVED, Status.DISBURSED, "Bendahara"),
    ]
    assert all(trail == expected for trail in steps.values())


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
    assert not GrantEvent.objects.exclude(note__startswith=DEMO_NOTE).exists()
    lpjs = AccountabilityReport.objects.all()
    assert lpjs.exists()
    assert set(lpjs.values_list("grant__program__year", flat=True)) == {2022, 2023}
    assert set(lpjs.values_list("status", flat=True)) == {"submitted"}


def test_a_second_run_changes_nothing(seeded):
    before = row_counts()
    events = GrantEvent.objects.count()
    result = seed_demo()
    assert not result.created_anything
    assert row_counts() == before
    assert GrantEvent.objects.count() == events == 5 * 265


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
