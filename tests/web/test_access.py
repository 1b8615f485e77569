"""The access matrix: every URL x anonymous and every role, from one table."""

import datetime

import pytest
from django.contrib.auth.models import User

from grants.models import AccountabilityReport
from institutions.models import Regency, StaffProfile, Village
from tests.factories import (
    GrantFactory,
    ImportBatchFactory,
    InstitutionFactory,
    ProgramFactory,
    TrainingEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["Operator", "Verifikator", "Pimpinan", "Bendahara", "Pengamat"]
WHO = ["anonymous", *ROLES, "no_role", "other_regency_operator"]

# Shorthands for the expected status per column of WHO.
ALL_ROLES = dict.fromkeys(ROLES, 200) | {
    "anonymous": 302,
    "no_role": 403,
    "other_regency_operator": 200,
}


def only(*roles: str, scoped: int = 404, others: int = 403) -> dict:
    """200 for the given roles, `others` for the rest, `scoped` for an operator of
    another regency (404 when the object is outside their area)."""
    expected = dict.fromkeys(WHO, others) | {"anonymous": 302}
    expected |= dict.fromkeys(roles, 200)
    expected["other_regency_operator"] = (
        scoped if "Operator" in roles else expected["other_regency_operator"]
    )
    return expected


def scoped_read() -> dict:
    return ALL_ROLES | {"other_regency_operator": 404}


# (name, url template, expected status per user); objects live in Boalemo (75.02).
MATRIX = [
    ("beranda", "/", ALL_ROLES | {"no_role": 200}),
    ("lembaga", "/lembaga/", ALL_ROLES),
    ("lembaga detail", "/lembaga/{institution}/", scoped_read()),
    ("lembaga baru", "/lembaga/baru/", only("Operator", scoped=200)),
    ("lembaga ubah", "/lembaga/{institution}/ubah/", only("Operator")),
    ("kecamatan", "/wilayah/kecamatan/?parent=75.02", ALL_ROLES | {"no_role": 200}),
    ("desa", "/wilayah/desa/?parent=75.02.01", ALL_ROLES | {"no_role": 200}),
    ("program", "/program/", ALL_ROLES),
    ("program detail", "/program/{program}/", ALL_ROLES),
    ("program baru", "/program/baru/", only("Pimpinan")),
    ("program ubah", "/program/{program}/ubah/", only("Pimpinan")),
    ("bantuan", "/bantuan/", ALL_ROLES),
    ("bantuan detail", "/bantuan/{grant}/", scoped_read()),
    ("usul", "/bantuan/usul/?lembaga={institution}", only("Operator")),
    ("lpj", "/lpj/", ALL_ROLES),
    ("lpj catat", "/lpj/{disbursed_grant}/catat/", only("Operator")),
    ("bimtek", "/bimtek/", ALL_ROLES),
    ("bimtek detail", "/bimtek/{event}/", scoped_read()),
    ("bimtek baru", "/bimtek/baru/", only("Operator", scoped=200)),
    ("bimtek ubah", "/bimtek/{event}/ubah/", only("Operator")),
    ("bimtek peserta", "/bimtek/{event}/peserta/?cari=Majelis", only("Operator")),
    ("laporan", "/laporan/", ALL_ROLES),
    ("laporan tahunan", "/laporan/tahunan/?dari=2022&sampai=2024", ALL_ROLES),
    ("laporan wilayah", "/laporan/wilayah/?kabupaten=75.02", scoped_read()),
    ("laporan lpj", "/laporan/lpj/?format=csv", ALL_ROLES),
    ("laporan bimtek", "/laporan/bimtek/", ALL_ROLES),
    ("transparansi", "/transparansi/", dict.fromkeys(WHO, 200)),
    ("impor", "/impor/", ALL_ROLES),
    ("impor detail", "/impor/{batch}/", scoped_read()),
    ("impor berkas", "/impor/{batch}/berkas/", only("Operator")),
    ("impor templat", "/impor/templat/penerima.xlsx", ALL_ROLES),
    ("ekspor lembaga", "/impor/ekspor/lembaga.csv", ALL_ROLES),
    ("penerima manfaat", "/impor/penerima-manfaat/", ALL_ROLES),
    ("ganti sandi", "/akun/sandi/", ALL_ROLES | {"no_role": 200}),
    ("masuk", "/masuk/", dict.fromkeys(WHO, 302) | {"anonymous": 200}),
    # Actions are POST-only: a GET is refused before anything else happens.
    (
        "aksi GET",
        "/bantuan/{grant}/verify/",
        dict.fromkeys(WHO, 405) | {"anonymous": 302},
    ),
    ("massal GET", "/bantuan/massal/", dict.fromkeys(WHO, 405) | {"anonymous": 302}),
]

# POST actions: (name, url template, data, expected per user).
POST_MATRIX = [
    (
        "verifikasi",
        "/bantuan/{grant}/verify/",
        {
            "verify-expected_status": "proposed",
            "verify-item_0": "on",
            "verify-item_1": "on",
        },
        only("Verifikator", others=403) | {"other_regency_operator": 404},
    ),
    (
        "setujui",
        "/bantuan/{verified_grant}/approve/",
        {
            "approve-expected_status": "verified",
            "approve-decree_number": "SK/1",
            "approve-decree_date": "01/03/2024",
        },
        only("Pimpinan", others=403) | {"other_regency_operator": 404},
    ),
    (
        "salurkan",
        "/bantuan/{approved_grant}/disburse/",
        {
            "disburse-expected_status": "approved",
            "disburse-paid_on": "01/06/2024",
            "disburse-amount": "10.000.000",
            "disburse-transfer_reference": "TRF-1",
        },
        only("Bendahara", others=403) | {"other_regency_operator": 404},
    ),
    (
        "konfirmasi impor",
        "/impor/{batch}/konfirmasi/",
        {},
        only("Operator", others=403),
    ),
    (
        "periksa lpj",
        "/lpj/{disbursed_grant}/periksa/",
        {"decision": "accept"},
        only("Verifikator", others=403) | {"other_regency_operator": 403},
    ),
]


@pytest.fixture
def world(regions):
    village = Village.objects.get(code="75.02.01.2004")
    institution = InstitutionFactory(village=village)
    proposer = UserFactory(username="pengusul", role="Operator")
    program = ProgramFactory()
    objects = {
        "institution": institution,
        "program": program,
        "grant": GrantFactory(
            program=program, institution=institution, proposed_by=proposer
        ),
        "verified_grant": GrantFactory(
            program=program,
            verified=True,
            proposed_by=proposer,
            institution=InstitutionFactory(village=village),
        ),
        "approved_grant": GrantFactory(
            program=program,
            approved=True,
            proposed_by=proposer,
            institution=InstitutionFactory(village=village),
        ),
        "disbursed_grant": GrantFactory(
            program=program,
            disbursed=True,
            proposed_by=proposer,
            institution=InstitutionFactory(village=village),
        ),
        "event": TrainingEventFactory(regency=Regency.objects.get(code="75.02")),
        "batch": ImportBatchFactory(created_by=proposer),
    }
    AccountabilityReport.objects.create(
        grant=objects["disbursed_grant"],
        submitted_on=datetime.date(2025, 1, 5),
        amount_spent=objects["disbursed_grant"].amount,
    )
    return {name: obj.pk for name, obj in objects.items()}


def make_user(who: str) -> User | None:
    if who == "anonymous":
        return None
    if who == "no_role":
        return UserFactory(username="tanpa_peran")
    if who == "other_regency_operator":
        user = UserFactory(username="operator_kabgor", role="Operator")
        profile = StaffProfile.objects.create(user=user)
        profile.regencies.add(Regency.objects.get(code="75.01"))
        return user
    return UserFactory(username=who.lower(), role=who)


@pytest.mark.parametrize("who", WHO)
def test_get_access_matrix(client, world, who):
    user = make_user(who)
    if user:
        client.force_login(user)
    got = {name: client.get(url.format(**world)).status_code for name, url, _ in MATRIX}
    assert got == {name: expected[who] for name, _url, expected in MATRIX}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("name", "url", "data", "expected"), POST_MATRIX, ids=[r[0] for r in POST_MATRIX]
)
def test_post_access_matrix(client, world, who, name, url, data, expected):
    user = make_user(who)
    if user:
        client.force_login(user)
    response = client.post(url.format(**world), data)
    # A successful action redirects to the grant page.
    got = 200 if response.status_code == 302 and user else response.status_code
    assert got == expected[who], response.content[:500]


def test_the_matrix_covers_every_page_of_the_workspace(world):
    """A new URL must be added to the matrix above."""
    from django.urls import get_resolver, resolve

    covered = {
        resolve(url.format(**world).split("?")[0]).view_name
        for _name, url, *_rest in [*MATRIX, *POST_MATRIX]
    }
    resolver = get_resolver()
    ours = set()
    for namespace in ("institutions", "grants", "reports"):
        _prefix, sub = resolver.namespace_dict[namespace]
        ours |= {
            f"{namespace}:{name}" for name in sub.reverse_dict if isinstance(name, str)
        }
    ours |= {"home", "login", "password_change"}
    assert ours - covered == set()
