"""Beranda's tasks ("Tugas saya") and the yearly report's distinct counts. Every
queue of every role is in test_worklist.py; who may open which page is in
test_access.py."""

import datetime
import re

import pytest

from grants.models import Grant
from institutions.models import Regency, StaffProfile, Village
from tests.factories import (
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
    lpj_evidence,
)

pytestmark = pytest.mark.django_db

Status = Grant.Status
YEAR = datetime.date.today().year
BOALEMO_VILLAGE = "75.02.01.2004"
GORONTALO_VILLAGE = "75.01.01.1001"


TO_VERIFY = "Usulan menunggu verifikasi"
TO_APPROVE = "Bantuan menunggu persetujuan"
TO_PAY = "Bantuan disetujui, siap disalurkan"
REVISION = "Usulan dikembalikan untuk diperbaiki"
LPJ_OVERDUE = "LPJ terlambat, belum dicatat"
LPJ_TO_CHECK = "LPJ menunggu pemeriksaan"


def all_tasks(response) -> dict[str, int]:
    """Every task Beranda shows, by label, with its count."""
    return {
        label: int(count)
        for count, label in re.findall(
            r'<div class="card task" data-count="(\d+)">\s*<h3>(.*?)</h3>',
            response.content.decode(),
        )
    }


def queues(response) -> dict[str, int]:
    """The tasks Beranda shows with something to do."""
    return {label: count for label, count in all_tasks(response).items() if count}


@pytest.fixture
def work(regions, committed):
    """Grants waiting in each queue: Boalemo (75.02) and Kab. Gorontalo (75.01),
    committed (so counted, as the task worker would after a real commit)."""
    with committed():
        return _work()


def _work():
    program = ProgramFactory(year=YEAR)
    waiting = {
        BOALEMO_VILLAGE: {
            Status.PROPOSED: 3,
            Status.VERIFIED: 2,
            Status.APPROVED: 4,
            Status.NEEDS_REVISION: 1,
            Status.REJECTED: 2,
        },
        GORONTALO_VILLAGE: {
            Status.PROPOSED: 5,
            Status.VERIFIED: 1,
            Status.APPROVED: 2,
            Status.NEEDS_REVISION: 3,
        },
    }
    for code, counts in waiting.items():
        village = Village.objects.get(code=code)
        for status, count in counts.items():
            for _ in range(count):
                GrantFactory(
                    program=program,
                    institution__village=village,
                    status=status,
                    decree_number="SK/1",
                    account_verified=status in (Status.VERIFIED, Status.APPROVED),
                    # Hibah is paid once its NPHD is on record.
                    nphd_number="NPHD/1",
                    nphd_date=datetime.date(YEAR, 1, 2),
                )
    return program


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("Verifikator", {TO_VERIFY: 8}),
        ("Pimpinan", {TO_APPROVE: 3}),
        ("Bendahara", {TO_PAY: 6}),
        ("Operator", {REVISION: 4}),
        ("Pengamat", {}),
    ],
)
def test_beranda_shows_the_queue_of_the_users_role_with_its_count(
    client, work, role, expected
):
    client.force_login(UserFactory(role=role))

    response = client.get("/")

    assert response.status_code == 200
    assert queues(response) == expected


def test_a_user_with_two_roles_sees_both_queues(client, work):
    user = UserFactory(role="Verifikator")
    user.groups.add(*UserFactory(role="Pimpinan").groups.all())
    client.force_login(user)

    assert queues(client.get("/")) == {TO_VERIFY: 8, TO_APPROVE: 3}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("Verifikator", {TO_VERIFY: 5}),
        ("Pimpinan", {TO_APPROVE: 1}),
        ("Bendahara", {TO_PAY: 2}),
        ("Operator", {REVISION: 3}),
    ],
)
def test_a_regency_limited_user_counts_only_their_area(client, work, role, expected):
    user = UserFactory(role=role)
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )
    client.force_login(user)

    assert queues(client.get("/")) == expected


def test_the_queue_links_open_the_matching_list(client, work):
    client.force_login(UserFactory(role="Verifikator"))
    page = client.get("/").content.decode()

    assert '<a href="/bantuan/?status=proposed">Lihat semua' in page
    listed = client.get("/bantuan/?status=proposed").content.decode()
    assert "8 data" in listed


def test_the_queues_follow_a_verification_done_in_the_workspace(
    client, work, committed
):
    verifier = UserFactory(role="Verifikator")
    approver = UserFactory(role="Pimpinan")
    client.force_login(verifier)
    assert queues(client.get("/")) == {TO_VERIFY: 8}
    grant = Grant.objects.filter(status=Status.PROPOSED).first()

    with committed():
        client.post(
            f"/bantuan/{grant.pk}/verify/",
            {
                "verify-expected_status": "proposed",
                "verify-item_0": "on",
                "verify-item_1": "on",
            },
        )

    grant.refresh_from_db()
    assert grant.status == Status.VERIFIED
    assert queues(client.get("/")) == {TO_VERIFY: 7}
    client.force_login(approver)
    assert queues(client.get("/")) == {TO_APPROVE: 4}


def test_the_lpj_counts_follow_an_lpj_recorded_in_the_workspace(
    client, regions, committed
):
    with committed():
        program = ProgramFactory(
            year=YEAR - 2, lpj_due_date=datetime.date(YEAR - 1, 1, 10)
        )
        grant = GrantFactory(
            program=program,
            institution__village=Village.objects.get(code=BOALEMO_VILLAGE),
            disbursed=True,
        )
    verifier = UserFactory(role="Verifikator")
    operator = UserFactory(role="Operator")
    client.force_login(verifier)
    assert all_tasks(client.get("/"))[LPJ_TO_CHECK] == 0
    client.force_login(operator)
    assert all_tasks(client.get("/"))[LPJ_OVERDUE] == 1

    with committed():
        client.post(
            f"/lpj/{grant.pk}/catat/",
            {
                "submitted_on": f"05/01/{YEAR}",
                "amount_spent": "10.000.000",
                "refund_amount": "0",
                **{f"evidence_{k}": v for k, v in lpj_evidence().items()},
            },
        )

    assert all_tasks(client.get("/"))[LPJ_OVERDUE] == 0
    client.force_login(verifier)
    assert all_tasks(client.get("/"))[LPJ_TO_CHECK] == 1


# The yearly report ----------------------------------------------------------------


def table_rows(response) -> dict[str, list[str]]:
    """Row label -> the cells (institutions, grants, amount per kind)."""
    html = response.content.decode()
    table = html.split("<tbody>", 1)[1].split("</table>", 1)[0]
    rows = {}
    for label, cells in re.findall(
        r'<th scope="row">([^<]+)(?:<sup>\*</sup>)?</th>(.*?)</tr>', table, re.S
    ):
        rows[label] = [
            re.sub(r"</?strong>", "", cell)
            for cell in re.findall(r'<td class="num">(.*?)</td>', cells)
        ]
    return rows


@pytest.fixture
def aided_years(regions, committed):
    """One WKSBM aided in both years, one only this year, one LKSA last year
    (committed, so counted)."""
    with committed():
        _aided_years()


def _aided_years():
    last_year = ProgramFactory(year=YEAR - 1)
    this_year = ProgramFactory(year=YEAR)
    village = Village.objects.get(code=BOALEMO_VILLAGE)
    twice = InstitutionFactory(name="Majelis Taklim Dua Kali", village=village)
    once = InstitutionFactory(name="Majelis Taklim Sekali", village=village)
    lksa = InstitutionFactory(
        lksa=True, village=Village.objects.get(code=GORONTALO_VILLAGE)
    )
    aided = {"decree_number": "SK/1"}
    GrantFactory(
        program=last_year,
        institution=twice,
        status=Status.CLOSED,
        amount=10_000_000,
        **aided,
    )
    GrantFactory(
        program=this_year,
        institution=twice,
        status=Status.DISBURSED,
        amount=12_000_000,
        **aided,
    )
    GrantFactory(
        program=this_year,
        institution=once,
        status=Status.REFUND_DUE,
        amount=8_000_000,
        **aided,
    )
    GrantFactory(
        program=last_year,
        institution=lksa,
        status=Status.CLOSED,
        amount=30_000_000,
        **aided,
    )
    # Not aided: neither counts.
    GrantFactory(
        program=this_year, institution__village=village, status=Status.APPROVED, **aided
    )
    GrantFactory(program=this_year, institution=lksa, status=Status.PROPOSED)


def test_the_yearly_report_counts_an_institution_aided_twice_once_over_the_range(
    client, aided_years
):
    client.force_login(UserFactory(role="Pengamat"))

    response = client.get("/laporan/tahunan/")

    assert response.status_code == 200
    rows = table_rows(response)
    # Per kind: institutions, grants, amount (WKSBM, Karang Taruna, LKSA).
    assert rows[str(YEAR - 1)] == [
        "1", "1", "Rp10.000.000",
        "0", "0", "Rp0",
        "1", "1", "Rp30.000.000",
    ]  # fmt: skip
    assert rows[str(YEAR)] == [
        "2", "2", "Rp20.000.000",
        "0", "0", "Rp0",
        "0", "0", "Rp0",
    ]  # fmt: skip
    assert rows[f"{YEAR - 1}-{YEAR}"] == [
        "2", "3", "Rp30.000.000",
        "0", "0", "Rp0",
        "1", "1", "Rp30.000.000",
    ]  # fmt: skip


def test_the_yearly_report_of_a_regency_limited_user_counts_their_area(
    client, aided_years
):
    user = UserFactory(role="Pengamat")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.01")
    )
    client.force_login(user)

    rows = table_rows(client.get("/laporan/tahunan/"))

    assert rows[f"{YEAR - 1}-{YEAR}"] == [
        "0", "0", "Rp0",
        "0", "0", "Rp0",
        "1", "1", "Rp30.000.000",
    ]  # fmt: skip


def test_the_yearly_report_follows_a_new_grant(client, aided_years, committed):
    client.force_login(UserFactory(role="Pengamat"))
    client.get("/laporan/tahunan/")
    with committed():
        GrantFactory(
            program=ProgramFactory(year=YEAR - 1),
            institution=InstitutionFactory(
                karang_taruna=True, village=Village.objects.get(code=BOALEMO_VILLAGE)
            ),
            status=Status.CLOSED,
            amount=5_000_000,
            decree_number="SK/2",
        )

    rows = table_rows(client.get("/laporan/tahunan/"))

    assert rows[str(YEAR - 1)][3:6] == ["1", "1", "Rp5.000.000"]
    assert rows[f"{YEAR - 1}-{YEAR}"][3:6] == ["1", "1", "Rp5.000.000"]


def test_the_report_index_links_to_the_yearly_report(client, aided_years):
    client.force_login(UserFactory(role="Pengamat"))

    response = client.get("/laporan/")

    assert response.status_code == 200
    assert 'href="/laporan/tahunan/"' in response.content.decode()
