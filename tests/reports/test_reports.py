import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from grants.models import AccountabilityReport, Grant, LpjState
from institutions.models import Regency, StaffProfile, Village
from reports import queries
from reports.models import (
    AidSummary,
    InstitutionAidYears,
    StatusSummary,
    SummaryState,
)
from reports.summary import refresh_year
from tests.factories import (
    BeneficiaryFactory,
    GrantFactory,
    InstitutionFactory,
    ParticipantFactory,
    ProgramFactory,
    TrainingEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BOALEMO_VILLAGE = "75.02.01.2004"  # Bongo Nol, Paguyaman, Kabupaten Boalemo
KOTA_VILLAGE = "75.71.01.1001"


@pytest.fixture
def aid(regions, committed):
    """2022-2023 aid: one WKSBM aided in both years, others once; Pohuwato gets nothing.

    Committed, so the summaries are counted as after a real commit."""
    with committed():
        return _aid()


def _aid():
    boalemo = Village.objects.get(code=BOALEMO_VILLAGE)
    kota = Village.objects.get(code=KOTA_VILLAGE)
    p2022 = ProgramFactory(year=2022, budget_ceiling=10**10)
    p2023 = ProgramFactory(year=2023, budget_ceiling=10**10)
    twice = InstitutionFactory(village=boalemo, name="Majelis Taklim Dua Kali")
    GrantFactory(program=p2022, institution=twice, disbursed=True, amount=10_000_000)
    GrantFactory(program=p2023, institution=twice, disbursed=True, amount=12_000_000)
    GrantFactory(
        program=p2022,
        institution=InstitutionFactory(village=kota),
        disbursed=True,
        amount=20_000_000,
    )
    GrantFactory(
        program=p2023,
        institution=InstitutionFactory(karang_taruna=True, village=kota),
        disbursed=True,
        amount=15_000_000,
    )
    # Not aided: proposed and rejected grants count in the status table only.
    GrantFactory(program=p2023, institution=InstitutionFactory(village=boalemo))
    GrantFactory(
        program=p2023, institution=InstitutionFactory(village=boalemo), rejected=True
    )
    return {"p2022": p2022, "p2023": p2023, "twice": twice}


def cells(report_row, attribute="institutions"):
    return [getattr(cell, attribute) for cell in report_row.cells]


def test_yearly_report_counts_distinct_institutions_per_year_and_over_the_range(aid):
    report = queries.yearly_report(None, queries.Period(2022, 2023))
    by_year = {row.label: row for row in report.rows}
    assert cells(by_year["2022"]) == [2, 0, 0]
    assert cells(by_year["2023"]) == [1, 1, 0]
    assert cells(by_year["2023"], "amount") == [12_000_000, 15_000_000, 0]
    # The WKSBM aided in both years counts once over the range.
    assert cells(report.totals) == [2, 1, 0]
    assert cells(report.totals, "grants") == [3, 1, 0]
    assert report.totals.label == "2022-2023"


def test_yearly_report_breaks_grants_down_by_status(aid):
    report = queries.yearly_report(None, queries.Period(2023, 2023))
    (year, status_cells) = report.status_rows[0]
    by_status = {
        status.value: cell["grants"]
        for status, cell in zip(report.statuses, status_cells, strict=True)
    }
    assert year == 2023
    assert by_status["disbursed"] == 2
    assert by_status["proposed"] == 1
    assert by_status["rejected"] == 1


def test_a_regency_without_aid_is_shown_as_zero(aid):
    report = queries.region_report(None, queries.Period(2022, 2023))
    by_code = {row.key: row for row in report.rows}
    assert len(report.rows) == 6
    assert cells(by_code["75.04"]) == [0, 0, 0]
    assert cells(by_code["75.02"]) == [1, 0, 0]
    assert cells(by_code["75.02"], "grants") == [2, 0, 0]
    assert by_code["75.71"].total.amount == 35_000_000
    assert round(sum(row.total.share for row in report.rows)) == 100


def test_region_report_drills_down_to_the_districts_of_a_regency(aid):
    boalemo = Regency.objects.get(code="75.02")
    report = queries.region_report(None, queries.Period(2022, 2023), boalemo)
    assert {row.key[:5] for row in report.rows} == {"75.02"}
    assert len(report.rows) == boalemo.districts.count()
    paguyaman = next(row for row in report.rows if row.key == "75.02.01")
    assert cells(paguyaman) == [1, 0, 0]


def test_a_regency_limited_user_counts_only_their_area(aid):
    user = UserFactory(role="Pengamat")
    StaffProfile.objects.create(user=user).regencies.add(
        Regency.objects.get(code="75.02")
    )
    report = queries.yearly_report(user, queries.Period(2022, 2023))
    assert cells(report.totals) == [1, 0, 0]
    assert [row.key for row in queries.region_report(user, report.period).rows] == [
        "75.02"
    ]


def test_reports_follow_a_new_disbursement_once_it_is_committed(aid, committed):
    with committed():
        grant = Grant.objects.get(status=Grant.Status.PROPOSED)
        grant.status = Grant.Status.DISBURSED
        grant.decree_number = "SK/2"
        grant.save()
        # Nothing is written for the reports inside the transaction.
        assert not SummaryState.objects.get(year=2023).stale
        report = queries.yearly_report(None, queries.Period(2023, 2023))
        assert cells(report.rows[0]) == [1, 1, 0]
    report = queries.yearly_report(None, queries.Period(2023, 2023))
    assert cells(report.rows[0]) == [2, 1, 0]
    assert not report.counted.pending
    assert not SummaryState.objects.get(year=2023).stale


def test_moving_an_institution_moves_its_figures(aid, committed):
    twice = aid["twice"]
    with committed():
        twice.village = Village.objects.get(code="75.04.01.2003")
        twice.save()
    report = queries.region_report(None, queries.Period(2022, 2023))
    by_code = {row.key: row for row in report.rows}
    assert cells(by_code["75.04"]) == [1, 0, 0]
    assert cells(by_code["75.02"]) == [0, 0, 0]


def test_lpj_report_counts_due_submitted_accepted_overdue_and_refunds(aid, committed):
    grants = list(Grant.objects.aided().filter(program__year=2022))
    with committed():
        AccountabilityReport.objects.create(
            grant=grants[0],
            submitted_on=datetime.date(2023, 1, 5),
            amount_spent=grants[0].amount - 1_000_000,
            refund_amount=1_000_000,
            status=AccountabilityReport.Status.ACCEPTED,
        )
        grants[0].status = Grant.Status.REFUND_DUE
        grants[0].save()
    report = queries.lpj_report(None, queries.Period(2022, 2022))
    assert report.totals.aided == 2
    assert report.totals.due == 2  # 10 January 2023 has passed
    assert report.totals.submitted == 1
    assert report.totals.accepted == 1
    assert report.totals.overdue == 1
    assert report.totals.refund_due == 1
    assert report.totals.refund_due_amount == 1_000_000
    assert len(report.by_regency) == 6
    # Each aided grant in one LPJ state, in LpjState's order.
    assert report.totals.by_state == {
        LpjState.NOT_SUBMITTED: 0,
        LpjState.OVERDUE: 1,
        LpjState.SUBMITTED: 0,
        LpjState.NEEDS_REVISION: 0,
        LpjState.ACCEPTED: 1,
    }
    assert report.totals.state_counts == [0, 1, 0, 0, 1]
    assert list(queries.LPJ_STATE_COLUMNS) == list(LpjState)


def test_training_report_counts_events_participants_and_aided_attendees(aid):
    event = TrainingEventFactory(
        start_date=datetime.date(2023, 8, 1),
        end_date=datetime.date(2023, 8, 1),
        regency=Regency.objects.get(code="75.02"),
    )
    ParticipantFactory(event=event, institution=aid["twice"])
    ParticipantFactory(event=event, institution=InstitutionFactory(lksa=True))
    report = queries.training_report(None, queries.Period(2022, 2023))
    assert report.by_year == [
        {"year": 2023, "events": 1, "participants": 2, "institutions": 2}
    ]
    assert report.by_regency[0]["name"] == "Kabupaten Boalemo"
    assert [r["participants"] for r in report.by_kind] == [1, 0, 1]
    assert (report.aided_attending, report.aided_total) == (1, 3)


@pytest.fixture
def pengamat_client(client):
    client.force_login(UserFactory(role="Pengamat"))
    return client


def csv_rows(response) -> list[list[str]]:
    """A report CSV read as Excel in an Indonesian locale reads it."""
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.mark.parametrize(
    ("report", "header"),
    [
        ("tahunan", b"tahun;jenis_lembaga;jumlah_lembaga;jumlah_bantuan;total_nilai"),
        ("wilayah", b"kode_wilayah;wilayah;jenis_lembaga;jumlah_lembaga;"),
        ("lpj", b"kelompok;nama;wajib_lpj;jatuh_tempo;belum_diserahkan;terlambat;"),
        ("bimtek", b"kelompok;nama;kegiatan;peserta;lembaga"),
    ],
)
def test_report_csvs_are_written_as_excel_in_indonesia_opens_them(
    aid, pengamat_client, report, header
):
    content = pengamat_client.get(
        f"/laporan/{report}/?dari=2022&sampai=2023&format=csv"
    ).content

    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    lines = content.removeprefix(b"\xef\xbb\xbf").split(b"\r\n")
    assert lines[0].startswith(header)  # `;` between cells
    assert len(lines) > 2
    # Every line ends in CRLF: the last piece is empty, none holds a bare LF.
    assert lines[-1] == b""
    assert not any(b"\n" in line for line in lines)


def test_the_region_csv_writes_shares_with_a_decimal_comma(aid, pengamat_client):
    rows = csv_rows(
        pengamat_client.get("/laporan/wilayah/?dari=2022&sampai=2023&format=csv")
    )
    header, body = rows[0], rows[1:]
    share = header.index("persentase_nilai")
    kota_wksbm = next(row for row in body if row[0] == "75.71" and row[2] == "WKSBM")
    # Kota Gorontalo's WKSBM had 20,000,000 of the 57,000,000 aided.
    assert kota_wksbm[share] == "35,09"


def test_yearly_csv_has_one_row_per_year_and_kind_plus_the_range(aid, pengamat_client):
    response = pengamat_client.get("/laporan/tahunan/?dari=2022&sampai=2023&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0] == [
        "tahun",
        "jenis_lembaga",
        "jumlah_lembaga",
        "jumlah_bantuan",
        "total_nilai",
    ]
    assert rows[1:] == [
        ["2022", "WKSBM", "2", "2", "30000000"],
        ["2022", "Karang Taruna", "0", "0", "0"],
        ["2022", "LKSA", "0", "0", "0"],
        ["2023", "WKSBM", "1", "1", "12000000"],
        ["2023", "Karang Taruna", "1", "1", "15000000"],
        ["2023", "LKSA", "0", "0", "0"],
        ["2022-2023", "WKSBM", "2", "3", "42000000"],
        ["2022-2023", "Karang Taruna", "1", "1", "15000000"],
        ["2022-2023", "LKSA", "0", "0", "0"],
    ]


def test_region_xlsx_holds_the_same_figures(aid, pengamat_client):
    response = pengamat_client.get(
        "/laporan/wilayah/?dari=2022&sampai=2023&format=xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("kode_wilayah", "wilayah", "jenis_lembaga", "jumlah_lembaga")
    kota = [row for row in rows if row[0] == "75.71"]
    assert [(row[2], row[3], row[5]) for row in kota] == [
        ("WKSBM", 1, 20_000_000),
        ("Karang Taruna", 1, 15_000_000),
        ("LKSA", 0, 0),
    ]


@pytest.fixture
def weasyprint():
    try:
        import weasyprint
    except OSError as error:  # Pango is a system library WeasyPrint loads at import
        pytest.skip(
            f"WeasyPrint cannot load Pango ({error}); apt-get install libpango-1.0-0"
        )
    return weasyprint


@pytest.mark.parametrize("report", ["tahunan", "wilayah", "lpj", "bimtek"])
def test_every_report_exports_a_pdf_with_its_title(
    aid, pengamat_client, report, weasyprint
):
    response = pengamat_client.get(
        f"/laporan/{report}/?dari=2022&sampai=2023&format=pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    printable = pengamat_client.get(
        f"/laporan/{report}/?dari=2022&sampai=2023&format=print"
    )
    html = printable.content.decode()
    assert "PEMERINTAH PROVINSI GORONTALO" in html
    assert "Halaman" in html
    assert str(response.context["title"]) in html


def test_the_print_view_dates_the_report_in_indonesian(
    aid, pengamat_client, monkeypatch
):
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda *args: datetime.date(2024, 8, 1)
    )
    html = pengamat_client.get("/laporan/tahunan/?format=print").content.decode()
    assert "1 Agustus 2024" in html


@pytest.mark.parametrize(
    "url",
    [
        "/laporan/tahunan/?dari=2022&sampai=2023",
        "/laporan/wilayah/?tahun=2023",
        "/laporan/wilayah/?kabupaten=75.02",
        "/laporan/lpj/",
        "/laporan/bimtek/",
        "/laporan/tahunan/?format=csv",
        "/transparansi/",
        "/",
    ],
)
def test_report_pages_run_the_same_number_of_queries_for_10_or_1000_grants(
    regions, client, url
):
    client.force_login(UserFactory(role="Pengamat"))
    program = ProgramFactory(year=2023, budget_ceiling=10**12)
    villages = list(Village.objects.all()[:500])

    def add_grants(count: int) -> None:
        institutions = [
            InstitutionFactory.build(
                village=villages[i % len(villages)],
                name=f"Lembaga {Grant.objects.count()} {i}",
            )
            for i in range(count)
        ]
        for institution in institutions:
            institution.save()
        Grant.objects.bulk_create(
            Grant(
                program=program,
                institution=institution,
                amount=10_000_000,
                status=Grant.Status.DISBURSED,
                decree_number="SK/1",
            )
            for institution in institutions
        )
        refresh_year(2023)

    def count_queries() -> int:
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    add_grants(10)
    count_queries()  # the first request fills what Django caches per process
    small = count_queries()
    add_grants(990)
    assert AidSummary.objects.filter(year=2023).count() > 1
    assert count_queries() == small


def test_the_public_page_needs_no_login_and_shows_no_personal_data(
    aid, client, committed
):
    village = Village.objects.get(code=BOALEMO_VILLAGE)
    with committed():
        institution = InstitutionFactory(
            village=village,
            name="Rukun Duka Rahasia",
            leader_name="Hasan Pakaya",
            phone="081234567890",
            account_number="1234567890123",
        )
        GrantFactory(program=aid["p2022"], institution=institution, disbursed=True)
    BeneficiaryFactory(village=village, name="Siti Mooduto")
    response = client.get("/transparansi/?dari=2022&sampai=2023")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kabupaten Boalemo" in html
    for secret in [
        "Rukun Duka Rahasia",
        "Majelis Taklim Dua Kali",
        "Hasan Pakaya",
        "081234567890",
        "1234567890123",
        "Siti Mooduto",
        "750201450890",
    ]:
        assert secret not in html
    csv_text = client.get("/transparansi/?format=csv").content.decode("utf-8-sig")
    assert csv_text.startswith("tahun;jenis_lembaga")
    assert "Rukun Duka Rahasia" not in csv_text


def test_the_public_page_is_cached(aid, client, django_assert_num_queries):
    client.get("/transparansi/")
    with django_assert_num_queries(0):
        assert client.get("/transparansi/").status_code == 200


@pytest.mark.parametrize(
    "query", ["dari=2024&sampai=2022", "tahun=abc", "tahun=1990", "format=docx"]
)
def test_bad_report_parameters_are_refused(aid, pengamat_client, query):
    assert pengamat_client.get(f"/laporan/tahunan/?{query}").status_code == 400


def test_years_never_counted_show_as_pending_until_recounted(aid):
    # A database that had grants before the summaries existed (an upgrade).
    for summary in (SummaryState, StatusSummary, AidSummary, InstitutionAidYears):
        summary.objects.all().delete()
    report = queries.yearly_report(None, queries.Period(2022, 2023))
    assert cells(report.totals) == [0, 0, 0]
    assert cells(report.totals, "grants") == [0, 0, 0]
    assert report.counted == queries.Counted(at=None, pending=True)
    call_command("recount_reports", stdout=io.StringIO())
    report = queries.yearly_report(None, queries.Period(2022, 2023))
    assert cells(report.totals) == [2, 1, 0]
    assert not report.counted.pending
    assert report.counted.at is not None


@pytest.mark.parametrize("query", ["format=pdf", "tahun=abc", "dari=2024&sampai=2022"])
def test_the_public_page_refuses_what_it_does_not_offer(aid, client, query):
    assert client.get(f"/transparansi/?{query}").status_code == 400
