"""Masks for personal data (UU PDP 27/2022): what a user without the right to
the full value sees of a NIK or a bank account number.

Masks keep the value's length, so that a masked column still reads like the
real one and a short or long value stays recognisable as wrong. A value too
short to keep its ends without giving most of it away is all stars.
"""

MASK = "*"
NIK_SHOWN_AT_START = 4
NIK_SHOWN_AT_END = 4
ACCOUNT_SHOWN_AT_END = 4


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def mask_nik(value) -> str:
    """`7502014508900001` -> `7502********0001`: the regency and the serial only.

    The first four digits name the regency (public), the last four are a serial;
    the district and the birth date between them are hidden.
    """
    text = _text(value)
    shown = NIK_SHOWN_AT_START + NIK_SHOWN_AT_END
    # At least half of the value stays hidden.
    if len(text) < 2 * shown:
        return MASK * len(text)
    hidden = len(text) - shown
    return text[:NIK_SHOWN_AT_START] + MASK * hidden + text[-NIK_SHOWN_AT_END:]


def mask_account(value) -> str:
    """`1234567896789` -> `*********6789`: enough to recognise, not to pay into."""
    text = _text(value)
    if len(text) < 2 * ACCOUNT_SHOWN_AT_END:
        return MASK * len(text)
    return MASK * (len(text) - ACCOUNT_SHOWN_AT_END) + text[-ACCOUNT_SHOWN_AT_END:]
