import pytest
from django import forms
from django.template import Context, Template

from common.money import parse_amount, rupiah
from grants.fields import RupiahField, RupiahInput

INVALID = "Tulis nilai dalam rupiah penuh, misalnya 10.000.000 atau Rp10.000.000."
NOT_POSITIVE = "Nilai harus lebih dari nol."


@pytest.mark.parametrize(
    "text",
    [
        "10.000.000",
        "Rp10.000.000",
        "Rp 10.000.000",
        "rp 10.000.000",
        "Rp. 10.000.000",
        "10000000",
        "10.000.000,00",
        "  Rp 10.000.000  ",
    ],
)
def test_parse_amount_reads_the_ways_staff_write_ten_million(text):
    assert parse_amount(text) == 10_000_000


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("0", 0),
        ("500", 500),
        ("1.500.000", 1_500_000),
        ("Rp999.999.999.999", 999_999_999_999),
    ],
)
def test_parse_amount_reads_other_whole_amounts(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "-5",
        "Rp -5",
        "10,5",
        "1.0000",
        "10.00.000",
        "1,000,000",
        "2 juta",
        "Rp 2 juta",
        "Rp 1.500.000,50",
        "10.000.000,01",
        "10 000 000",
        "1e7",
    ],
)
def test_parse_amount_refuses_what_is_not_a_whole_rupiah_amount(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (10_000_000, "Rp10.000.000"),
        (1_500_000, "Rp1.500.000"),
        (999, "Rp999"),
        (0, "Rp0"),
    ],
)
def test_rupiah_formats_the_official_way(amount, text):
    assert rupiah(amount) == text


def test_rupiah_of_nothing_is_empty():
    assert rupiah(None) == ""


@pytest.mark.parametrize("amount", [10_000_000, 1_500_000, 25_000])
def test_what_rupiah_writes_parse_amount_reads_back(amount):
    assert parse_amount(rupiah(amount)) == amount


def render(template: str, **context) -> str:
    return Template("{% load rupiah %}" + template).render(Context(context))


def test_the_rupiah_filter_formats_an_amount_in_a_template():
    assert render("{{ amount|rupiah }}", amount=10_000_000) == "Rp10.000.000"


@pytest.mark.parametrize("value", [None, ""])
def test_the_rupiah_filter_shows_nothing_for_a_missing_amount(value):
    assert render("[{{ amount|rupiah }}]", amount=value) == "[]"


def test_the_rupiah_filter_ignores_the_thousand_separator_setting(settings):
    settings.USE_THOUSAND_SEPARATOR = True

    assert render("{{ amount|rupiah }}", amount=2_500_000) == "Rp2.500.000"


class GrantAmountForm(forms.Form):
    amount = RupiahField(label="Nilai bantuan")


@pytest.mark.parametrize(
    "text", ["10.000.000", "Rp10.000.000", "Rp 10.000.000", "10000000", "10.000.000,00"]
)
def test_the_rupiah_field_cleans_the_accepted_forms(text):
    form = GrantAmountForm(data={"amount": text})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == 10_000_000


@pytest.mark.parametrize("text", ["abc", "10,5", "2 juta", "-5", "Rp 1.500.000,50"])
def test_the_rupiah_field_rejects_garbage_with_an_example(text):
    form = GrantAmountForm(data={"amount": text})

    assert not form.is_valid()
    assert form.errors["amount"] == [INVALID]


@pytest.mark.parametrize("text", ["0", "Rp0", "0,00"])
def test_the_rupiah_field_rejects_zero(text):
    form = GrantAmountForm(data={"amount": text})

    assert not form.is_valid()
    assert form.errors["amount"] == [NOT_POSITIVE]


def test_the_rupiah_field_is_required_unless_told_otherwise():
    assert "amount" in GrantAmountForm(data={"amount": ""}).errors

    field = RupiahField(required=False)
    assert field.clean("") is None


def test_the_rupiah_field_honours_a_higher_minimum():
    field = RupiahField(min_value=1_000_000)

    assert field.clean("1.000.000") == 1_000_000
    with pytest.raises(forms.ValidationError) as caught:
        field.clean("999.999")
    assert caught.value.messages == [NOT_POSITIVE]


def test_the_rupiah_widget_shows_a_stored_amount_with_dots_and_no_prefix():
    form = GrantAmountForm(initial={"amount": 10_000_000})

    html = str(form["amount"])

    assert 'value="10.000.000"' in html
    assert 'inputmode="numeric"' in html


def test_the_rupiah_widget_shows_typed_text_back_unchanged():
    form = GrantAmountForm(data={"amount": "2 juta"})

    assert 'value="2 juta"' in str(form["amount"])
    assert RupiahInput().format_value(None) is None
