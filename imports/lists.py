"""The lists the office exchanges, by import kind (`ImportBatch.Kind`)."""

from .beneficiary_list import BENEFICIARIES
from .recipient_list import INSTITUTION_FIELDS, INSTITUTIONS, RECIPIENTS

COLUMN_SETS = {
    "penerima": RECIPIENTS,
    "lembaga": INSTITUTIONS,
    "penerima_manfaat": BENEFICIARIES,
}

__all__ = [
    "BENEFICIARIES",
    "COLUMN_SETS",
    "INSTITUTIONS",
    "INSTITUTION_FIELDS",
    "RECIPIENTS",
]
