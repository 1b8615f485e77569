"""Text that goes into a spreadsheet (CSV or Excel) as text, never as a formula."""

# A spreadsheet runs a cell that starts with one of these as a formula (CSV
# injection). Imports keep such text as it is; exports neutralise it.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix text a spreadsheet would run as a formula, so that it stays text."""
    if text and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text
