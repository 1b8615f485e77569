"""The masks of NIKs and account numbers (common.masking): exact and safe."""

import pytest

from common.masking import mask_account, mask_nik


def test_a_nik_keeps_its_first_and_last_four_digits():
    assert mask_nik("7502014508900001") == "7502********0001"


def test_an_account_number_keeps_its_last_four_digits():
    assert mask_account("1234567896789") == "*********6789"
    assert mask_account("0012345678901234") == "************1234"


@pytest.mark.parametrize("mask", [mask_nik, mask_account])
@pytest.mark.parametrize("empty", [None, "", "   "])
def test_nothing_masks_to_nothing(mask, empty):
    assert mask(empty) == ""


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        # Seventeen: the ends only, nine stars.
        ("75020145089000011", "7502*********0011"),
        # Fifteen (Excel cut the last digit) or fewer: too short to show eight
        # characters and hide as many, so all hidden.
        ("750201450890000", "***************"),
        ("75020145089", "***********"),
        ("7502", "****"),
        ("7", "*"),
    ],
)
def test_a_nik_of_the_wrong_length_keeps_its_length(value, masked):
    assert mask_nik(value) == masked
    assert len(mask_nik(value)) == len(value)


@pytest.mark.parametrize(
    ("value", "masked"),
    [("12345678", "****5678"), ("1234567", "*******"), ("1234", "****"), ("1", "*")],
)
def test_a_short_account_number_is_hidden_unless_as_much_stays_hidden(value, masked):
    assert mask_account(value) == masked


def test_masks_work_on_any_text_and_numbers():
    # An uploaded cell may hold anything: it is masked character by character.
    assert mask_nik("7502 0145 0890 0001") == "7502***********0001"
    assert mask_nik("Siti Aminah binti Umar") == "Siti**************Umar"
    assert mask_nik(7502014508900001) == "7502********0001"
    assert mask_account(5001234567) == "******4567"
    assert mask_account(" 5001234567 ") == "******4567"


def test_no_digit_between_the_shown_ends_survives():
    masked = mask_nik("7502014508900001")
    assert "014508" not in masked and masked.count("*") == 8
