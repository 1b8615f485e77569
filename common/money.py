"""Whole-Rupiah amounts: one way to show them, one way to read them."""

import re

from lokal import format_rupiah, parse_rupiah

# What staff type or paste: `10.000.000`, `Rp10.000.000`, `Rp 10.000.000`,
# `10000000`, and Excel's `10.000.000,00`.
_AMOUNT = re.compile(
    r"^(?:rp\.?\s*)?(\d{1,3}(?:\.\d{3})+|\d+)(?:,00?)?$", re.IGNORECASE
)


def rupiah(amount: int | None) -> str:
    """Format an amount the official way: `Rp10.000.000`."""
    if amount is None:
        return ""
    return format_rupiah(int(amount))


def parse_amount(text: str) -> int | None:
    """Read a whole-Rupiah amount, or return None when it is not one.

    Stricter than lokal-id's parser, which also reads words (`2 juta`) and
    fractions; an amount in a form or a recipient list must be plain digits.
    """
    cleaned = " ".join(str(text).split())
    match = _AMOUNT.fullmatch(cleaned)
    if not match:
        return None
    parsed = parse_rupiah(cleaned)
    if parsed is None or parsed.approximate or not float(parsed.amount).is_integer():
        return None
    value = int(parsed.amount)
    if value != int(match.group(1).replace(".", "")):
        return None
    return value
