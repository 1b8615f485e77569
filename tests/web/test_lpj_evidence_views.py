"""LPJ pages with evidence: the form and its file checks, the review per item on
the grant page, the rounds' history, and the downloads of evidence and refund
proof (404 outside the user's regencies)."""

import datetime
import re

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from common.models import DataAccessLog
from grants.models import (
    AccountabilityReport,
    Grant,
    LpjEvidence,
    LpjItemReview,
    LpjRound,
)
from institutions.models import Regency, StaffProfile, Village
from tests.factories import (
    TINY_PDF,
    GrantFactory,
    InstitutionFactory,
    ProgramFactory,
    UserFactory,
    lpj_evidence,
    png_bytes,
    scan_upload,
)
from tests.web.pages import field_error, form_errors, messages_shown, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]

Status = Grant.Status
LpjStatus = AccountabilityReport.Status
KINDS = ("penggunaan", "sptj", "kuitansi", "foto")
LABELS = {
    "penggunaan": "Laporan penggunaan dana",
    "sptj": "SPTJ ditandatangani",
    "kuitansi": "Bukti pengeluaran (kuitansi)",
    "foto": "Foto kegiatan",
}
YEAR = timezone.localdate().year


@pytest.fixture
def users(regions):
    made = {
        "operator": UserFactory(username="operator", role="Operator"),
        "verifikator": UserFactory(username="verifikator", role="Verifikator"),
        "bendahara": UserFactory(username="bendahara", role="Bendahara"),
        "pengamat": UserFactory(username="pengamat", role="Pengamat"),
        "other_operator": UserFactory(username="operator_lain", role="Operator"),
    }
    profile = StaffProfile.objects.create(user=made["other_operator"])
    profile.regencies.add(Regency.objects.exclude(code="75.02").first())
    return made


@pytest.fixture
def as_user(client, users):
    def login(who: str):
        client.force_login(users[who])
        return client

    return login


@pytest.fixture
def disbursed(users):
    return GrantFactory(
        program=ProgramFactory(year=YEAR),
        institution=InstitutionFactory(
            name="Majelis Taklim Al Ikhlas",
            village=Village.objects.get(code="75.02.01.2004"),
        ),
        disbursed=True,
        amount=10_000_000,
        proposed_by=users["operator"],
    )


def lpj_post(spent="10.000.000", refund="0", kinds=KINDS, **files) -> dict:
    evidence = {f"evidence_{k}": v for k, v in lpj_evidence(*kinds).items()}
    return {
        "submitted_on": f"05/01/{YEAR}",
        "amount_spent": spent,
        "refund_amount": refund,
        **evidence,
        **files,
    }


def review(**to_fix: str) -> dict:
    data = {"expected_status": "submitted"}
    for kind in KINDS:
        data[f"item_{kind}"] = "perbaikan" if kind in to_fix else "sesuai"
        data[f"note_{kind}"] = to_fix.get(kind, "")
    return data


def nothing_stored(grant) -> bool:
    try:
        files = default_storage.listdir(f"bantuan/{grant.pk}/lpj")[1]
    except FileNotFoundError:
        files = []
    return (
        files == []
        and not AccountabilityReport.objects.exists()
        and not LpjRound.objects.exists()
        and not LpjEvidence.objects.exists()
    )


# The form ---------------------------------------------------------------------------


def test_the_lpj_form_is_quick_to_fill(as_user, disbursed):
    response = as_user("operator").get(f"/lpj/{disbursed.pk}/catat/")

    html = page(response)
    assert 'enctype="multipart/form-data"' in html
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert re.search(rf'name="submitted_on" value="{today}"', html)
    assert re.search(r'name="refund_amount" value="0"', html)
    assert not re.search(r'name="amount_spent" value=', html)
    for label in ["Tanggal diserahkan", "Dana terpakai (Rp)", "Sisa dana disetor (Rp)"]:
        assert f">{label}:</label>" in html
    for kind, label in LABELS.items():
        assert f'<label for="id_evidence_{kind}">{label}:</label>' in html
    assert re.search(r'<input type="file" name="evidence_kuitansi"[^>]* multiple', html)
    assert re.search(r'<input type="file" name="evidence_foto"[^>]* multiple', html)
    assert ">Simpan LPJ</button>" in html


def test_an_lpj_with_several_receipts_and_a_photo_is_recorded(as_user, disbursed):
    data = lpj_post()
    data["evidence_kuitansi"] = [scan_upload("k1.pdf"), scan_upload("k2.pdf")]
    data["evidence_foto"] = [scan_upload("kegiatan.png", png_bytes())]

    response = as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", data)

    assert response.status_code == 302
    report = AccountabilityReport.objects.get(grant=disbursed)
    assert sorted(report.evidence.values_list("kind", flat=True)) == sorted(
        [*KINDS, "kuitansi"]
    )
    assert messages_shown(as_user("operator").get(response.url)) == ["LPJ dicatat."]


@pytest.mark.parametrize(
    "disguised",
    [
        ("laporan.pdf", b"<html><script>alert(1)</script></html>"),
        ("foto.png", b"%PDF-1.4 without its end marker"),
        ("kuitansi.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
    ],
    ids=["html-as-pdf", "truncated-pdf", "fake-jpeg"],
)
def test_a_disguised_file_is_refused_and_nothing_is_stored(
    as_user, disbursed, disguised
):
    name, data = disguised
    response = as_user("operator").post(
        f"/lpj/{disbursed.pk}/catat/",
        lpj_post(evidence_sptj=scan_upload(name, data)),
    )

    assert response.status_code == 400
    assert field_error(response, "evidence_sptj") == [
        f"Berkas {name} bukan PDF, JPEG atau PNG. Unggah pindaian dalam salah satu "
        "format itu; berkas tidak disimpan."
    ]
    assert nothing_stored(disbursed)


def test_a_file_too_large_is_refused_and_nothing_is_stored(
    as_user, disbursed, settings
):
    settings.BANSOS_UPLOAD_MAX_BYTES = 100

    response = as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_post())

    assert response.status_code == 400
    assert "melebihi batas 0,0 MB" in field_error(response, "evidence_penggunaan")[0]
    assert nothing_stored(disbursed)


def test_missing_evidence_is_named_and_nothing_is_stored(as_user, disbursed):
    response = as_user("operator").post(
        f"/lpj/{disbursed.pk}/catat/", lpj_post(kinds=("penggunaan", "sptj"))
    )

    assert response.status_code == 400
    assert field_error(response, "evidence_kuitansi") == [
        "Unggah berkas Bukti pengeluaran (kuitansi)."
    ]
    # The activity photos support an LPJ: never asked for.
    assert field_error(response, "evidence_foto") == []
    assert nothing_stored(disbursed)


def test_an_amount_above_the_disbursed_money_is_refused(as_user, disbursed):
    response = as_user("operator").post(
        f"/lpj/{disbursed.pk}/catat/", lpj_post(spent="10.500.000")
    )

    assert response.status_code == 400
    assert form_errors(response) == [
        "Dana terpakai (Rp10.500.000) melebihi dana yang disalurkan (Rp10.000.000)."
    ]
    assert nothing_stored(disbursed)


def test_an_lpj_for_a_grant_not_yet_disbursed_is_refused(as_user, disbursed):
    Grant.objects.filter(pk=disbursed.pk).update(status=Status.APPROVED)

    response = as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_post())

    assert response.status_code == 400
    assert form_errors(response) == [
        "LPJ hanya dicatat untuk bantuan yang sudah disalurkan."
    ]
    assert nothing_stored(disbursed)


# The review on the grant page -------------------------------------------------------


@pytest.fixture
def submitted(as_user, disbursed):
    as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_post())
    return AccountabilityReport.objects.get(grant=disbursed)


def test_the_review_form_lists_each_item_with_its_files_and_no_finding(
    as_user, disbursed, submitted
):
    html = page(as_user("verifikator").get(f"/bantuan/{disbursed.pk}/"))

    form = html.split('id="form-review_lpj"', 1)[1].split("</form>", 1)[0]
    for kind, label in LABELS.items():
        assert f"<legend>{label}</legend>" in form
        assert f'Catatan<span class="visually-hidden"> {label}</span>:</label>' in form
        evidence = submitted.evidence.get(kind=kind)
        assert f'href="/lpj/{disbursed.pk}/bukti/{evidence.pk}/"' in form
    assert form.count('type="radio"') == 8
    assert "checked" not in form
    buttons = re.findall(r"<button [^>]*>[^<]*</button>", form)
    # The plain button first: Enter in a note field sends that one.
    assert buttons[0].endswith(">Simpan pemeriksaan</button>")
    assert 'name="semua_sesuai"' in buttons[1]
    assert buttons[1].endswith(">Semua sesuai, terima LPJ</button>")


def test_all_in_order_but_unbalanced_figures_is_an_error_on_the_form(
    as_user, disbursed
):
    as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_post(spent="9.000.000"))

    response = as_user("verifikator").post(f"/lpj/{disbursed.pk}/periksa/", review())

    assert response.status_code == 400
    assert "tidak sama dengan dana yang disalurkan" in form_errors(response)[0]
    assert AccountabilityReport.objects.get().status == LpjStatus.SUBMITTED
    assert not LpjItemReview.objects.exists()


def test_all_in_order_accepts_with_every_finding_in_order(as_user, disbursed):
    as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_post())

    response = as_user("verifikator").post(
        f"/lpj/{disbursed.pk}/periksa/",
        {"expected_status": "submitted", "semua_sesuai": "1"},
    )

    assert response.status_code == 302
    assert AccountabilityReport.objects.get().status == LpjStatus.ACCEPTED
    findings = LpjItemReview.objects.values_list("kind", "in_order")
    assert sorted(findings) == sorted((kind, True) for kind in KINDS)


def test_an_untouched_review_without_the_button_records_nothing(as_user, disbursed):
    as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_post())

    response = as_user("verifikator").post(
        f"/lpj/{disbursed.pk}/periksa/", {"expected_status": "submitted"}
    )

    assert response.status_code == 400
    assert AccountabilityReport.objects.get().status == LpjStatus.SUBMITTED
    assert not LpjItemReview.objects.exists()


def test_the_rounds_and_their_findings_stay_on_the_grant_page(as_user, disbursed):
    as_user("operator").post(f"/lpj/{disbursed.pk}/catat/", lpj_post())
    as_user("verifikator").post(
        f"/lpj/{disbursed.pk}/periksa/", review(foto="Foto kegiatan buram")
    )
    operator = as_user("operator")
    detail = page(operator.get(f"/bantuan/{disbursed.pk}/"))
    assert f'href="/lpj/{disbursed.pk}/catat/">Catat perbaikan LPJ</a>' in detail
    form = page(operator.get(f"/lpj/{disbursed.pk}/catat/"))
    assert "Foto kegiatan: Foto kegiatan buram" in form
    assert 'name="evidence_foto"' in form
    assert re.search(r'name="evidence_foto"[^>]*required', form)
    assert not re.search(r'name="evidence_sptj"[^>]*required', form)

    response = operator.post(f"/lpj/{disbursed.pk}/catat/", lpj_post(kinds=["foto"]))
    assert response.status_code == 302
    as_user("verifikator").post(f"/lpj/{disbursed.pk}/periksa/", review())

    html = page(as_user("verifikator").get(f"/bantuan/{disbursed.pk}/"))
    history = html.split("Riwayat putaran LPJ", 1)[1].split("</table>", 1)[0]
    rows = history.split("<tr>")[2:]
    assert len(rows) == 2
    assert "<td>2</td>" in rows[0] and "<strong>Diterima</strong>" in rows[0]
    assert "<td>1</td>" in rows[1] and "<strong>Perlu perbaikan</strong>" in rows[1]
    assert (
        "Foto kegiatan: <strong>Perlu perbaikan</strong> — Foto kegiatan buram"
        in rows[1]
    )
    assert Grant.objects.get(pk=disbursed.pk).status == Status.CLOSED
    assert "Selesai" in html


# Downloads ---------------------------------------------------------------------------


def test_evidence_is_served_to_those_who_may_see_the_grant(
    as_user, disbursed, submitted
):
    evidence = submitted.evidence.get(kind="penggunaan")
    url = f"/lpj/{disbursed.pk}/bukti/{evidence.pk}/"

    response = as_user("bendahara").get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"].startswith("private, no-store")
    assert b"".join(response.streaming_content) == TINY_PDF
    log = DataAccessLog.objects.get()
    assert (log.user.username, log.action) == ("bendahara", "export")
    assert f"bantuan #{disbursed.pk}" in log.what


@pytest.mark.parametrize(
    ("who", "status"), [("other_operator", 404), ("pengamat", 403)]
)
def test_evidence_is_404_outside_the_regency_and_403_without_the_permission(
    as_user, disbursed, submitted, who, status
):
    evidence = submitted.evidence.get(kind="penggunaan")

    response = as_user(who).get(f"/lpj/{disbursed.pk}/bukti/{evidence.pk}/")

    assert response.status_code == status
    assert not DataAccessLog.objects.exists()


def test_evidence_of_another_grant_is_not_served_under_this_one(
    as_user, disbursed, submitted
):
    other = GrantFactory(
        disbursed=True,
        institution=InstitutionFactory(village=disbursed.institution.village),
    )
    evidence = submitted.evidence.first()

    response = as_user("operator").get(f"/lpj/{other.pk}/bukti/{evidence.pk}/")

    assert response.status_code == 404


def test_an_anonymous_visitor_gets_no_evidence(client, disbursed, submitted):
    evidence = submitted.evidence.first()
    client.logout()

    response = client.get(f"/lpj/{disbursed.pk}/bukti/{evidence.pk}/")

    assert response.status_code in (302, 404)
    assert not getattr(response, "streaming", False)


def test_the_refund_proof_is_served_once_recorded(as_user, disbursed):
    report = AccountabilityReport.objects.create(
        grant=disbursed,
        status=LpjStatus.ACCEPTED,
        submitted_on=datetime.date(YEAR, 1, 5),
        amount_spent=9_000_000,
        refund_amount=1_000_000,
    )
    url = f"/lpj/{disbursed.pk}/bukti-setor/"
    assert as_user("bendahara").get(url).status_code == 404

    report.refunded_on = datetime.date(YEAR, 1, 20)
    report.refund_reference = "STS-1"
    report.refund_proof.save("scan.png", scan_upload("setor.png", png_bytes()))

    response = as_user("bendahara").get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert as_user("other_operator").get(url).status_code == 404
    detail = page(as_user("bendahara").get(f"/bantuan/{disbursed.pk}/"))
    assert f'href="{url}">Bukti setor</a>' in detail
