"""The access matrix: every URL x anonymous and every role, from one table.

Besides the five roles, the columns hold a Pimpinan kept to the objects' own
regency (programmes cover the whole province, so they only read them), a
user with two roles and a superuser; neither of the last two has done any
step on the grants, so no separation-of-duties rule holds them back here.
The duty rules themselves are at the bottom of the file.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from grants.models import AccountabilityReport, Grant, Program
from institutions.models import Institution, Regency, StaffProfile, Village
from institutions.services import save_institution
from tests.factories import (
    GrantFactory,
    ImportBatchFactory,
    InstitutionFactory,
    LpjEvidenceFactory,
    ParticipantFactory,
    ProgramFactory,
    TrainingEventFactory,
    UserFactory,
    scan_upload,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
ROLES = ["Operator", "Verifikator", "Pimpinan", "Bendahara", "Pengamat"]
WHO = [
    "anonymous",
    *ROLES,
    "no_role",
    "other_regency_operator",
    "regency_pimpinan",
    "verifikator_pimpinan",
    "superuser",
]

# Shorthands for the expected status per column of WHO.
ALL_ROLES = dict.fromkeys(ROLES, 200) | {
    "anonymous": 302,
    "no_role": 403,
    "other_regency_operator": 200,
    "regency_pimpinan": 200,
    "verifikator_pimpinan": 200,
    "superuser": 200,
}


def only(*roles: str, scoped: int = 404, others: int = 403) -> dict:
    """200 for the given roles (and a superuser), `others` for the rest, `scoped`
    for an operator of another regency (404 when the object is outside their
    area). The regency-limited Pimpinan answers as a Pimpinan unless a row says
    otherwise; the Verifikator+Pimpinan as the better of their two roles."""
    expected = dict.fromkeys(WHO, others) | {"anonymous": 302, "superuser": 200}
    expected |= dict.fromkeys(roles, 200)
    expected["other_regency_operator"] = (
        scoped if "Operator" in roles else expected["other_regency_operator"]
    )
    expected["regency_pimpinan"] = expected["Pimpinan"]
    if {"Verifikator", "Pimpinan"} & set(roles):
        expected["verifikator_pimpinan"] = 200
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
    # Programmes cover the province: a regency-limited Pimpinan only reads them.
    ("program baru", "/program/baru/", only("Pimpinan") | {"regency_pimpinan": 403}),
    (
        "program ubah",
        "/program/{program}/ubah/",
        only("Pimpinan") | {"regency_pimpinan": 403},
    ),
    ("bantuan", "/bantuan/", ALL_ROLES),
    ("bantuan detail", "/bantuan/{grant}/", scoped_read()),
    # A Pimpinan opens the proposal page to grant an exception from it.
    ("usul", "/bantuan/usul/?lembaga={institution}", only("Operator", "Pimpinan")),
    (
        "pengecualian GET",
        "/bantuan/usul/pengecualian/",
        dict.fromkeys(WHO, 405) | {"anonymous": 302},
    ),
    ("nphd berkas", "/bantuan/{approved_grant}/nphd/berkas/", scoped_read()),
    ("lembaga dokumen", "/lembaga/{institution}/dokumen/", only("Operator")),
    (
        "dokumen berkas",
        "/lembaga/{institution}/dokumen/{document}/berkas/",
        only("Operator", "Verifikator", "Pimpinan", "Bendahara"),
    ),
    ("lpj", "/lpj/", ALL_ROLES),
    ("lpj catat", "/lpj/{disbursed_grant}/catat/", only("Operator")),
    (
        "bukti lpj",
        "/lpj/{disbursed_grant}/bukti/{lpj_evidence}/",
        only("Operator", "Verifikator", "Pimpinan", "Bendahara"),
    ),
    (
        "bukti setor",
        "/lpj/{refund_grant}/bukti-setor/",
        only("Operator", "Verifikator", "Pimpinan", "Bendahara"),
    ),
    ("bimtek", "/bimtek/", ALL_ROLES),
    ("bimtek detail", "/bimtek/{event}/", scoped_read()),
    ("bimtek baru", "/bimtek/baru/", only("Operator", scoped=200)),
    ("bimtek ubah", "/bimtek/{event}/ubah/", only("Operator")),
    ("bimtek peserta", "/bimtek/{event}/peserta/?cari=Majelis", only("Operator")),
    ("bimtek daftar hadir", "/bimtek/{event}/daftar-hadir/", scoped_read()),
    ("bimtek peserta csv", "/bimtek/{event}/peserta.csv", scoped_read()),
    ("bimtek peserta xlsx", "/bimtek/{event}/peserta.xlsx", scoped_read()),
    (
        "bimtek peserta ubah",
        "/bimtek/{event}/peserta/{participant}/ubah/",
        only("Operator"),
    ),
    (
        "bimtek sertifikat",
        "/bimtek/{event}/peserta/{participant}/sertifikat/",
        scoped_read(),
    ),
    (
        "verifikasi sertifikat",
        "/verifikasi-sertifikat/?kode=ZZZZZZZZZZ",
        dict.fromkeys(WHO, 200),
    ),
    ("laporan", "/laporan/", ALL_ROLES),
    ("laporan tahunan", "/laporan/tahunan/?dari=2022&sampai=2024", ALL_ROLES),
    ("laporan wilayah", "/laporan/wilayah/?kabupaten=75.02", scoped_read()),
    ("laporan lpj", "/laporan/lpj/?format=csv", ALL_ROLES),
    ("laporan bimtek", "/laporan/bimtek/", ALL_ROLES),
    ("transparansi", "/transparansi/", dict.fromkeys(WHO, 200)),
    ("impor", "/impor/", ALL_ROLES),
    # A regency-limited user sees only the imports they made.
    ("impor detail", "/impor/{batch}/", scoped_read() | {"regency_pimpinan": 404}),
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
    (
        "program tutup GET",
        "/program/{program}/tutup/",
        dict.fromkeys(WHO, 405) | {"anonymous": 302},
    ),
]

# POST actions: (name, url template, data, expected per user, done): `done`
# tells from the database whether the action took effect, so a refusal is
# also seen to change nothing.


def grant_is(key: str, status: str):
    return lambda world: Grant.objects.get(pk=world[key]).status == status


def program_open(key: str, is_open: bool):
    return lambda world: Program.objects.get(pk=world[key]).is_open == is_open


def nphd_recorded(world) -> bool:
    return Grant.objects.get(pk=world["unsigned_grant"]).nphd_number == "NPHD/BARU/1"


def new_account_confirmed(world) -> bool:
    grant = Grant.objects.get(pk=world["bank_changed_grant"])
    return grant.verified_account == grant.institution.bank_account


def lpj_accepted(world) -> bool:
    report = AccountabilityReport.objects.get(grant=world["disbursed_grant"])
    return report.status == AccountabilityReport.Status.ACCEPTED


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
        grant_is("grant", "verified"),
    ),
    (
        "kembalikan",
        "/bantuan/{grant}/return/",
        {"return-expected_status": "proposed", "return-note": "KTP kabur"},
        only("Verifikator", "Pimpinan") | {"other_regency_operator": 404},
        grant_is("grant", "needs_revision"),
    ),
    (
        "tolak",
        "/bantuan/{grant}/reject/",
        {"reject-expected_status": "proposed", "reject-note": "Lembaga fiktif"},
        only("Verifikator", "Pimpinan") | {"other_regency_operator": 404},
        grant_is("grant", "rejected"),
    ),
    (
        "ajukan kembali",
        "/bantuan/{returned_grant}/resubmit/",
        {
            "resubmit-expected_status": "needs_revision",
            "resubmit-amount": "10.000.000",
            "resubmit-note": "KTP dipindai ulang",
        },
        only("Operator"),
        grant_is("returned_grant", "proposed"),
    ),
    (
        "setujui",
        "/bantuan/{verified_grant}/approve/",
        {
            "approve-expected_status": "verified",
            "approve-decree_number": "SK/1",
            "approve-decree_date": f"01/01/{YEAR}",
        },
        only("Pimpinan", others=403) | {"other_regency_operator": 404},
        grant_is("verified_grant", "approved"),
    ),
    (
        "salurkan",
        "/bantuan/{approved_grant}/disburse/",
        {
            "disburse-expected_status": "approved",
            "disburse-paid_on": TODAY.strftime("%d/%m/%Y"),
            "disburse-amount": "10.000.000",
            "disburse-transfer_reference": "TRF-1",
        },
        only("Bendahara", others=403) | {"other_regency_operator": 404},
        grant_is("approved_grant", "disbursed"),
    ),
    (
        "setor sisa dana",
        "/bantuan/{refund_grant}/refund/",
        {
            "refund-expected_status": "refund_due",
            "refund-refunded_on": TODAY.strftime("%d/%m/%Y"),
            "refund-refund_reference": "STS-1",
            # A fresh file per request (see test_post_access_matrix).
            "refund-refund_proof": lambda: scan_upload("setoran.pdf"),
        },
        only("Bendahara") | {"other_regency_operator": 404},
        grant_is("refund_grant", "closed"),
    ),
    (
        "catat nphd",
        "/bantuan/{unsigned_grant}/nphd/",
        {
            "nphd-expected_status": "approved",
            "nphd-number": "NPHD/BARU/1",
            "nphd-date": f"02/01/{YEAR}",
            "nphd-scan": lambda: scan_upload("nphd.pdf"),
        },
        only("Pimpinan", "Operator", others=403),
        nphd_recorded,
    ),
    (
        "konfirmasi rekening",
        "/bantuan/{bank_changed_grant}/confirm_bank/",
        {
            "confirm_bank-expected_status": "approved",
            "confirm_bank-note": "Buku tabungan baru diperiksa",
        },
        only("Verifikator", others=403) | {"other_regency_operator": 404},
        new_account_confirmed,
    ),
    (
        "revisi",
        "/bantuan/{approved_grant}/revise/",
        {
            "revise-expected_status": "approved",
            "revise-amount": "8.000.000",
            "revise-purpose": "Pengadaan tenda",
            "revise-note": "Harga turun",
        },
        only("Operator", others=403),
        grant_is("approved_grant", "proposed"),
    ),
    (
        "program tutup",
        "/program/{program}/tutup/",
        {},
        only("Pimpinan", others=403) | {"regency_pimpinan": 403},
        program_open("program", False),
    ),
    (
        "program buka",
        "/program/{closed_program}/buka/",
        {},
        only("Pimpinan", others=403) | {"regency_pimpinan": 403},
        program_open("closed_program", True),
    ),
    (
        "konfirmasi impor",
        "/impor/{batch}/konfirmasi/",
        {},
        only("Operator", others=403) | {"regency_pimpinan": 403},
        None,
    ),
    (
        "periksa lpj",
        "/lpj/{disbursed_grant}/periksa/",
        {
            "expected_status": "submitted",
            **{
                f"item_{kind}": "sesuai"
                for kind in ("penggunaan", "sptj", "kuitansi", "foto")
            },
        },
        only("Verifikator", others=403) | {"other_regency_operator": 403},
        lpj_accepted,
    ),
]


@pytest.fixture
def world(regions):
    village = Village.objects.get(code="75.02.01.2004")
    institution = InstitutionFactory(village=village)
    proposer = UserFactory(username="pengusul", role="Operator")
    program = ProgramFactory()
    # Decreed on New Year's day, so a payment dated today is never before it.
    decreed = {"decree_date": datetime.date(YEAR, 1, 1)}
    objects = {
        "institution": institution,
        "program": program,
        "closed_program": ProgramFactory(closed_at=timezone.now()),
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
            **decreed,
        ),
        "unsigned_grant": GrantFactory(
            program=program,
            approved=True,
            proposed_by=proposer,
            institution=InstitutionFactory(village=village),
            nphd_number="",
            nphd_date=None,
            **decreed,
        ),
        "bank_changed_grant": GrantFactory(
            program=program,
            approved=True,
            proposed_by=proposer,
            institution=InstitutionFactory(village=village),
            **decreed,
        ),
        "returned_grant": GrantFactory(
            program=program,
            status=Grant.Status.NEEDS_REVISION,
            proposed_by=proposer,
            institution=InstitutionFactory(village=village),
        ),
        "refund_grant": GrantFactory(
            program=program,
            status=Grant.Status.REFUND_DUE,
            account_verified=True,
            decreed=True,
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
    objects["participant"] = ParticipantFactory(
        event=objects["event"], institution=institution
    )
    lpj = AccountabilityReport.objects.create(
        grant=objects["disbursed_grant"],
        submitted_on=datetime.date(YEAR, 1, 5),
        amount_spent=objects["disbursed_grant"].amount,
    )
    objects["lpj_evidence"] = LpjEvidenceFactory(report=lpj, round=0)
    refund_lpj = AccountabilityReport.objects.create(
        grant=objects["refund_grant"],
        status=AccountabilityReport.Status.ACCEPTED,
        submitted_on=datetime.date(YEAR, 1, 5),
        amount_spent=objects["refund_grant"].amount - 1_000_000,
        refund_amount=1_000_000,
    )
    objects["document"] = institution.documents.first()
    objects["approved_grant"].nphd_scan.save("scan.pdf", scan_upload("nphd.pdf"))
    # A deposit proof on file, for its download page to answer.
    refund_lpj.refund_proof.save("scan.pdf", scan_upload("setoran.pdf"))
    changed = Institution.objects.get(pk=objects["bank_changed_grant"].institution_id)
    changed.account_number = "9990001112"
    save_institution(changed, by=proposer)
    return {name: obj.pk for name, obj in objects.items()}


def limited_to(user: User, code: str) -> User:
    StaffProfile.objects.create(user=user).regencies.add(Regency.objects.get(code=code))
    return user


def make_user(who: str) -> User | None:
    if who == "anonymous":
        return None
    if who == "no_role":
        return UserFactory(username="tanpa_peran")
    if who == "other_regency_operator":
        return limited_to(
            UserFactory(username="operator_kabgor", role="Operator"), "75.01"
        )
    if who == "regency_pimpinan":
        # Kept to Boalemo, where every object of the world is.
        return limited_to(
            UserFactory(username="pimpinan_boalemo", role="Pimpinan"), "75.02"
        )
    if who == "verifikator_pimpinan":
        user = UserFactory(username="verif_pimpinan", role="Verifikator")
        user.groups.add(Group.objects.get(name="Pimpinan"))
        return user
    if who == "superuser":
        return UserFactory(username="admin_dinas", is_superuser=True, is_staff=True)
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
    ("name", "url", "data", "expected", "done"),
    POST_MATRIX,
    ids=[r[0] for r in POST_MATRIX],
)
def test_post_access_matrix(client, world, who, name, url, data, expected, done):
    user = make_user(who)
    if user:
        client.force_login(user)
    data = {key: value() if callable(value) else value for key, value in data.items()}
    response = client.post(url.format(**world), data)
    # A successful action redirects to the grant page.
    got = 200 if response.status_code == 302 and user else response.status_code
    assert got == expected[who], response.content[:500]
    if done is not None:
        assert done(world) == (got == 200)


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


def test_every_grant_action_is_in_the_post_matrix():
    """A new workflow step must be tried by every user above."""
    from grants.views.workflow import ACTION_FORMS

    tried = {url.split("/")[-2] for _name, url, *_rest in POST_MATRIX}
    assert set(ACTION_FORMS) <= tried


# Separation of duties through the pages: an earlier step of the user's on the
# grant bars the check that follows it, whatever roles they hold.


def user_with(*roles: str) -> User:
    if roles == ("superuser",):
        return UserFactory(is_superuser=True, is_staff=True)
    user = UserFactory(role=roles[0])
    for role in roles[1:]:
        user.groups.add(Group.objects.get(name=role))
    return user


def change_account(user: User, grant: Grant) -> None:
    institution = Institution.objects.get(pk=grant.institution_id)
    institution.account_number = "9990001112"
    save_institution(institution, by=user)


VERIFY = {
    "verify-expected_status": "proposed",
    "verify-item_0": "on",
    "verify-item_1": "on",
}
APPROVE = {
    "approve-expected_status": "verified",
    "approve-decree_number": "SK/1",
    "approve-decree_date": f"01/01/{YEAR}",
}
DISBURSE = {
    "disburse-expected_status": "approved",
    "disburse-paid_on": TODAY.strftime("%d/%m/%Y"),
    "disburse-amount": "10.000.000",
    "disburse-transfer_reference": "TRF-1",
}

# (id, the user's roles, the grant and what the user did on it, action, data)
DUTIES = [
    (
        "verifier-pimpinan-approves-own-verification",
        ("Verifikator", "Pimpinan"),
        {"verified": True, "verified_by": "me"},
        "approve",
        APPROVE,
    ),
    (
        "superuser-verifies-own-proposal",
        ("superuser",),
        {"proposed_by": "me", "content_changed_by": "me"},
        "verify",
        VERIFY,
    ),
    (
        "superuser-returns-own-proposal",
        ("superuser",),
        {"proposed_by": "me"},
        "return",
        {"return-expected_status": "proposed", "return-note": "Kurang"},
    ),
    (
        "superuser-rejects-own-proposal",
        ("superuser",),
        {"proposed_by": "me"},
        "reject",
        {"reject-expected_status": "proposed", "reject-note": "Ganda"},
    ),
    (
        "operator-verifier-verifies-own-change",
        ("Operator", "Verifikator"),
        {"content_changed_by": "me"},
        "verify",
        VERIFY,
    ),
    (
        "superuser-approves-own-verification",
        ("superuser",),
        {"verified": True, "verified_by": "me"},
        "approve",
        APPROVE,
    ),
    (
        "pimpinan-bendahara-pays-own-approval",
        ("Pimpinan", "Bendahara"),
        {"approved": True, "approved_by": "me"},
        "disburse",
        DISBURSE,
    ),
    (
        "superuser-pays-own-approval",
        ("superuser",),
        {"approved": True, "approved_by": "me"},
        "disburse",
        DISBURSE,
    ),
    (
        "operator-verifier-confirms-own-bank-change",
        ("Operator", "Verifikator"),
        {"approved": True, "bank_changed_by": "me"},
        "confirm_bank",
        {"confirm_bank-expected_status": "approved", "confirm_bank-note": "Sudah"},
    ),
]


def grant_state(grant: Grant) -> dict:
    grant.refresh_from_db()
    return {
        "status": grant.status,
        "verified_by": grant.verified_by_id,
        "approved_by": grant.approved_by_id,
        "decree": (grant.decree_number, grant.decree_date),
        "account": grant.verified_account,
        "events": grant.events.count(),
        "disbursements": grant.disbursements.count(),
    }


def grant_made_by(doer: User, made: dict) -> Grant:
    """A grant in Boalemo on which `doer` did what `made` says ("me")."""
    made = dict(made)
    bank_changed = made.pop("bank_changed_by", None)
    grant = GrantFactory(
        institution__village=Village.objects.get(code="75.02.01.2004"),
        decree_date=datetime.date(YEAR, 1, 1),
        **{name: doer if value == "me" else value for name, value in made.items()},
    )
    if bank_changed:
        change_account(doer, grant)
    return grant


@pytest.mark.parametrize(
    ("roles", "made", "action", "data"),
    [row[1:] for row in DUTIES],
    ids=[row[0] for row in DUTIES],
)
def test_an_earlier_step_on_the_grant_bars_the_check_after_it(
    client, regions, roles, made, action, data
):
    me = user_with(*roles)
    grant = grant_made_by(me, made)
    before = grant_state(grant)
    client.force_login(me)

    page = client.get(f"/bantuan/{grant.pk}/").content.decode()
    response = client.post(f"/bantuan/{grant.pk}/{action}/", data)

    assert f'id="form-{action}"' not in page
    assert 'id="blocked-actions"' in page
    assert response.status_code == 403
    assert grant_state(grant) == before


@pytest.mark.parametrize(
    ("roles", "made", "action", "data"),
    [row[1:] for row in DUTIES],
    ids=[row[0] for row in DUTIES],
)
def test_the_same_user_takes_the_step_when_someone_else_did_the_earlier_one(
    client, regions, roles, made, action, data
):
    grant = grant_made_by(UserFactory(role="Operator"), made)
    me = user_with(*roles)
    client.force_login(me)

    page = client.get(f"/bantuan/{grant.pk}/").content.decode()
    response = client.post(f"/bantuan/{grant.pk}/{action}/", data)

    assert f'id="form-{action}"' in page
    assert response.status_code == 302
    assert grant.events.filter(actor=me).exists()
