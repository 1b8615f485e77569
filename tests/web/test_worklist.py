"""Beranda's "Tugas saya": exact live counts per role, scoped to the user's
regencies, each link opening the list of those grants; and the menu per role."""

import datetime
import re

import pytest
from django.utils import timezone

from grants import roles
from grants.models import AccountabilityReport, Grant
from institutions.models import (
    Institution,
    InstitutionDocument,
    Regency,
    StaffProfile,
    Village,
)
from reports.worklist import tasks_for
from tests.factories import (
    GrantFactory,
    InstitutionDocumentFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Grant.Status
BOALEMO_VILLAGE = "75.02.01.2004"
GORONTALO_VILLAGE = "75.01.01.1001"

REVISION = "Usulan dikembalikan untuk diperbaiki"
LPJ_OVERDUE = "LPJ terlambat, belum dicatat"
LPJ_TO_RECORD = "LPJ belum dicatat, belum jatuh tempo"
LPJ_RETURNED = "LPJ dikembalikan untuk diperbaiki"
TO_VERIFY = "Usulan menunggu verifikasi"
LPJ_TO_CHECK = "LPJ menunggu pemeriksaan"
BANK_CHANGED = "Rekening berubah, menunggu konfirmasi"
TO_APPROVE = "Bantuan menunggu persetujuan"
NEAR_CEILING = "Program mendekati pagu (90% atau lebih)"
TO_PAY = "Bantuan disetujui, siap disalurkan"
REFUND_DUE = "Menunggu setor kembali"
DOCUMENTS = "Lembaga dengan dokumen kedaluwarsa atau berakhir dalam 30 hari"


def _grant(name: str, village: str, **kwargs) -> Grant:
    return GrantFactory(
        institution__name=name,
        institution__village=Village.objects.get(code=village),
        **kwargs,
    )


def _lpj_program(due: datetime.date):
    return ProgramFactory(year=due.year - 1, lpj_due_date=due)


def _document(institution_name: str, expires_on: datetime.date) -> None:
    InstitutionDocument.objects.filter(
        institution__name=institution_name, kind=InstitutionDocument.Kind.NPWP
    ).update(expires_on=expires_on)


@pytest.fixture
def work(regions):
    """Grants in every queue, named for it: Boalemo (75.02) and, for two
    queues, Kab. Gorontalo (75.01)."""
    today = timezone.localdate()
    b, g = BOALEMO_VILLAGE, GORONTALO_VILLAGE
    _grant("Revisi Boalemo", b, status=Status.NEEDS_REVISION)
    _grant("Revisi Gorontalo", g, status=Status.NEEDS_REVISION)
    _grant("Usul Boalemo A", b)
    _grant("Usul Boalemo B", b)
    _grant("Usul Gorontalo", g)
    _grant("Verif Boalemo", b, verified=True)
    changed = _grant("Rekening Boalemo", b, verified=True)
    Institution.objects.filter(pk=changed.institution_id).update(
        account_number="7770001112"
    )
    _grant(
        "Bayar Boalemo",
        b,
        approved=True,
        amount=18_000_000,
        program=ProgramFactory(budget_ceiling=20_000_000),
    )
    # A hibah without its NPHD cannot be paid yet.
    _grant("Tanpa NPHD Boalemo", b, approved=True, nphd_number="", nphd_date=None)
    _grant(
        "Terlambat Boalemo",
        b,
        disbursed=True,
        program=_lpj_program(today - datetime.timedelta(days=1)),
    )
    _grant(
        "Segera Boalemo",
        b,
        disbursed=True,
        program=_lpj_program(today + datetime.timedelta(days=10)),
    )
    _grant(
        "Masih Lama Boalemo",
        b,
        disbursed=True,
        program=_lpj_program(today + datetime.timedelta(days=200)),
    )
    for name, status in [
        ("LPJ Masuk Boalemo", AccountabilityReport.Status.SUBMITTED),
        ("LPJ Kembali Boalemo", AccountabilityReport.Status.NEEDS_REVISION),
    ]:
        AccountabilityReport.objects.create(
            grant=_grant(name, b, disbursed=True), submitted_on=today, status=status
        )
    AccountabilityReport.objects.create(
        grant=_grant("Setor Boalemo", b, disbursed=True, status=Status.REFUND_DUE),
        submitted_on=today,
        status=AccountabilityReport.Status.ACCEPTED,
        amount_spent=8_000_000,
        refund_amount=2_000_000,
    )
    _grant("Ditolak Boalemo", b, rejected=True)
    # Documents in force: expired, ending within 30 days, later; and an
    # expired one replaced by a newer scan.
    _document("Revisi Boalemo", today - datetime.timedelta(days=1))
    _document("Revisi Gorontalo", today + datetime.timedelta(days=30))
    _document("Usul Gorontalo", today + datetime.timedelta(days=31))
    _document("Usul Boalemo A", today - datetime.timedelta(days=5))
    InstitutionDocumentFactory(
        institution=Institution.objects.get(name="Usul Boalemo A"),
        kind=InstitutionDocument.Kind.NPWP,
    )
    # Just under 90% of its ceiling: not near it yet.
    AccountabilityReport.objects.create(
        grant=_grant(
            "Hampir Boalemo",
            b,
            disbursed=True,
            status=Status.CLOSED,
            amount=17_999_999,
            program=ProgramFactory(budget_ceiling=20_000_000),
        ),
        submitted_on=today,
        status=AccountabilityReport.Status.ACCEPTED,
        amount_spent=17_999_999,
    )


PROVINCE = {
    roles.OPERATOR: {
        REVISION: 2,
        LPJ_OVERDUE: 1,
        LPJ_TO_RECORD: 2,
        LPJ_RETURNED: 1,
        DOCUMENTS: 2,
    },
    roles.VERIFIKATOR: {TO_VERIFY: 3, LPJ_TO_CHECK: 1, BANK_CHANGED: 1},
    roles.PIMPINAN: {TO_APPROVE: 2, NEAR_CEILING: 1},
    roles.BENDAHARA: {TO_PAY: 1, REFUND_DUE: 1},
}
GORONTALO_ONLY = {
    roles.OPERATOR: {
        REVISION: 1,
        LPJ_OVERDUE: 0,
        LPJ_TO_RECORD: 0,
        LPJ_RETURNED: 0,
        DOCUMENTS: 1,
    },
    roles.VERIFIKATOR: {TO_VERIFY: 1, LPJ_TO_CHECK: 0, BANK_CHANGED: 0},
    # Ceilings are the province's, whoever looks at them.
    roles.PIMPINAN: {TO_APPROVE: 0, NEAR_CEILING: 1},
    roles.BENDAHARA: {TO_PAY: 0, REFUND_DUE: 0},
}
# Where each task's link leads: exactly these grants.
LISTED = {
    REVISION: {"Revisi Boalemo", "Revisi Gorontalo"},
    LPJ_OVERDUE: {"Terlambat Boalemo"},
    LPJ_TO_RECORD: {"Segera Boalemo", "Masih Lama Boalemo"},
    LPJ_RETURNED: {"LPJ Kembali Boalemo"},
    TO_VERIFY: {"Usul Boalemo A", "Usul Boalemo B", "Usul Gorontalo"},
    LPJ_TO_CHECK: {"LPJ Masuk Boalemo"},
    BANK_CHANGED: {"Rekening Boalemo"},
    TO_APPROVE: {"Verif Boalemo", "Rekening Boalemo"},
    REFUND_DUE: {"Setor Boalemo"},
    DOCUMENTS: {"Revisi Boalemo", "Revisi Gorontalo"},
}


def counts(tasks) -> dict[str, int]:
    return {task.label: task.count for task in tasks}


def shown_tasks(response) -> dict[str, int]:
    """The tasks Beranda shows: label -> count."""
    return {
        label: int(count)
        for count, label in re.findall(
            r'<div class="card task" data-count="(\d+)">\s*<h3>(.*?)</h3>',
            response.content.decode(),
        )
    }


@pytest.mark.parametrize("role", list(PROVINCE))
def test_each_role_counts_exactly_its_own_queues(work, role):
    tasks = tasks_for(UserFactory(role=role))

    assert counts(tasks) == PROVINCE[role]
    assert {task.role for task in tasks} == {role}


@pytest.mark.parametrize("role", list(GORONTALO_ONLY))
def test_a_regency_limited_user_counts_only_their_area(work, role):
    user = UserFactory(role=role)
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )

    assert counts(tasks_for(user)) == GORONTALO_ONLY[role]


def test_a_user_with_two_roles_sees_the_tasks_of_both(work):
    user = UserFactory(role=roles.VERIFIKATOR)
    user.groups.add(*UserFactory(role=roles.PIMPINAN).groups.all())

    assert counts(tasks_for(user)) == {
        **PROVINCE[roles.VERIFIKATOR],
        **PROVINCE[roles.PIMPINAN],
    }


def test_a_superuser_sees_every_task_and_a_pengamat_none(work):
    superuser = UserFactory(is_superuser=True)
    everything = {label: n for queue in PROVINCE.values() for label, n in queue.items()}

    assert counts(tasks_for(superuser)) == everything
    assert tasks_for(UserFactory(role=roles.PENGAMAT)) == []


def test_the_counts_take_a_constant_number_of_queries(work, django_assert_num_queries):
    # The regency scope, one aggregate over the grants, the first grants of
    # every queue, one count of the documents, one over the programmes; a
    # superuser's permissions need no query.
    first, second = UserFactory(is_superuser=True), UserFactory(is_superuser=True)
    with django_assert_num_queries(5):
        tasks_for(first)
    for n in range(5):
        _grant(f"Usul Tambahan {n}", BOALEMO_VILLAGE)
        _grant(f"Bayar Tambahan {n}", BOALEMO_VILLAGE, approved=True)
        _document(f"Usul Tambahan {n}", timezone.localdate())
    with django_assert_num_queries(5):
        tasks = tasks_for(second)
    assert counts(tasks)[TO_VERIFY] == 8
    assert counts(tasks)[DOCUMENTS] == 7


def test_each_link_opens_the_list_of_exactly_those_grants(client, work):
    client.force_login(UserFactory(is_superuser=True))

    for task in tasks_for(UserFactory(is_superuser=True)):
        if task.label not in LISTED:
            continue
        response = client.get(task.url)
        assert response.status_code == 200, task.label
        listed = {
            getattr(row, "institution", row).name
            for row in response.context["object_list"]
        }
        assert listed == LISTED[task.label], task.label
        assert len(listed) == task.count, task.label


def test_the_closest_lists_hold_the_grants_of_their_tasks(client, work):
    """No filter exists for these two: the link opens a wider list."""
    client.force_login(UserFactory(is_superuser=True))
    tasks = {task.label: task for task in tasks_for(UserFactory(is_superuser=True))}

    payable = client.get(tasks[TO_PAY].url).context["object_list"]
    assert {g.institution.name for g in payable} == {
        "Bayar Boalemo",
        "Tanpa NPHD Boalemo",
    }
    programs = client.get(tasks[NEAR_CEILING].url).context["object_list"]
    assert any(p.budget_ceiling == 20_000_000 for p in programs)


def test_a_queue_is_exact_right_after_an_action(work):
    verifier = UserFactory(role=roles.VERIFIKATOR)
    Grant.objects.filter(institution__name="Usul Boalemo A").update(
        status=Status.REJECTED
    )

    assert counts(tasks_for(verifier))[TO_VERIFY] == 2


# Beranda -------------------------------------------------------------------------


def test_beranda_shows_the_tasks_first_with_zero_counts_muted(client, work):
    user = UserFactory(role=roles.VERIFIKATOR)
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )
    client.force_login(user)

    response = client.get("/")

    html = response.content.decode()
    assert shown_tasks(response) == GORONTALO_ONLY[roles.VERIFIKATOR]
    assert html.index("Tugas saya") < html.index("Anggaran ")
    assert '<a href="/bantuan/?status=proposed">Buka daftar' in html
    # The empty queues say so, with nothing to open.
    assert html.count("Tidak ada") == 2
    assert "keadaan=diperiksa" not in html


def test_a_pengamat_sees_the_figures_without_tasks(client, work):
    client.force_login(UserFactory(role=roles.PENGAMAT))

    html = client.get("/").content.decode()

    assert "Tugas saya" not in html
    assert "Anggaran " in html


# The menu --------------------------------------------------------------------------


def menu(response) -> list[str]:
    nav = re.search(
        r'<nav class="main-nav".*?</nav>', response.content.decode(), re.S
    ).group(0)
    return re.findall(r'<a href="([^"]+)"', nav)


def test_a_pengamat_has_no_import_link_and_an_operator_has(client, work):
    client.force_login(UserFactory(role=roles.PENGAMAT))
    observer = menu(client.get("/"))
    client.force_login(UserFactory(role=roles.OPERATOR))
    operator = menu(client.get("/"))

    assert "/impor/" not in observer
    assert "/impor/" in operator
    assert set(observer) == set(operator) - {"/impor/"}


def test_a_user_without_permissions_sees_only_beranda(client, work):
    client.force_login(UserFactory())

    assert menu(client.get("/")) == ["/"]


def test_each_task_names_its_longest_waiting_grants_with_a_link_to_the_next_step(
    client, work
):
    superuser = UserFactory(is_superuser=True)
    for n in range(4):
        _grant(f"Usul Antre {n}", BOALEMO_VILLAGE)
    tasks = {task.label: task for task in tasks_for(superuser)}

    to_verify = tasks[TO_VERIFY]
    assert len(to_verify.items) == 3 < to_verify.count
    waiting = Grant.objects.filter(status=Status.PROPOSED).order_by("updated_at", "pk")
    assert [item.url for item in to_verify.items] == [
        f"/bantuan/{grant.pk}/" for grant in waiting[:3]
    ]
    assert to_verify.items[0].name == waiting[0].institution.name
    # A grant waiting for its LPJ opens the LPJ form itself.
    overdue = tasks[LPJ_OVERDUE]
    assert overdue.items
    assert all(
        item.url.startswith("/lpj/") and item.url.endswith("/catat/")
        for item in overdue.items
    )
    # Each listed grant is one the task counts, and no grant is listed twice.
    listed = [item.url for task in tasks.values() for item in task.items]
    assert len(listed) == len(set(listed))

    client.force_login(superuser)
    html = client.get("/").content.decode()
    assert f'href="{to_verify.items[0].url}"' in html
    assert "Lihat semua" in html


def test_a_regency_limited_user_sees_only_grants_of_their_regencies_listed(work):
    user = UserFactory(role=roles.VERIFIKATOR)
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )

    listed = [item for task in tasks_for(user) for item in task.items]

    assert listed
    assert all(
        Grant.objects.get(
            pk=item.url.split("/")[2]
        ).institution.village.code.startswith("75.01")
        for item in listed
    )
