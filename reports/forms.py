from django import forms
from django.utils.translation import gettext_lazy as _

from .queries import Period

FIRST_YEAR, LAST_YEAR = 2000, 2060


class PeriodForm(forms.Form):
    """`?tahun=2024` for one year, or `?dari=2022&sampai=2024` for a range."""

    tahun = forms.IntegerField(
        label=_("Tahun"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    dari = forms.IntegerField(
        label=_("Dari tahun"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    sampai = forms.IntegerField(
        label=_("Sampai tahun"),
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
    )

    def __init__(self, *args, default: Period, **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default
        self.fields["dari"].widget.attrs["placeholder"] = default.first
        self.fields["sampai"].widget.attrs["placeholder"] = default.last

    def clean(self):
        cleaned_data = super().clean()
        first, last = cleaned_data.get("dari"), cleaned_data.get("sampai")
        if first and last and first > last:
            raise forms.ValidationError(
                _("Tahun awal tidak boleh setelah tahun akhir.")
            )
        return cleaned_data

    def period(self) -> Period:
        data = self.cleaned_data if self.is_bound else {}
        if data.get("tahun"):
            return Period(data["tahun"], data["tahun"])
        first = data.get("dari") or self.default.first
        last = data.get("sampai") or max(self.default.last, first)
        return Period(min(first, last), last)
