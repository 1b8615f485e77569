from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.money import parse_amount, rupiah


class RupiahInput(forms.TextInput):
    """Shows a stored amount as `10.000.000`, the way staff type it."""

    def format_value(self, value):
        if isinstance(value, int):
            return rupiah(value).removeprefix("Rp")
        return super().format_value(value)


class RupiahField(forms.Field):
    """A whole-Rupiah amount typed as `10.000.000`, `Rp10.000.000` or `10000000`."""

    widget = RupiahInput
    default_error_messages = {
        "invalid": _(
            "Tulis nilai dalam rupiah penuh, misalnya 10.000.000 atau Rp10.000.000."
        ),
        "min_value": _("Nilai harus lebih dari nol."),
    }

    def __init__(self, *, min_value: int = 1, **kwargs):
        self.min_value = min_value
        kwargs.setdefault("widget", RupiahInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        amount = parse_amount(value)
        if amount is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return amount

    def validate(self, value):
        super().validate(value)
        if value is not None and value < self.min_value:
            raise ValidationError(self.error_messages["min_value"], code="min_value")
