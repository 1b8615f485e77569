from urllib.parse import urlencode

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from institutions.filters import REGION_CODE_MAX_LENGTH

from .queries import Period

FIRST_YEAR, LAST_YEAR = 2000, 2060

MSG_YEAR_AND_RANGE = _(
    "Isi satu tahun (Tahun) atau rentang tahun (Dari dan Sampai), tidak keduanya."
)
MSG_RANGE_BACKWARDS = _("Tahun awal tidak boleh setelah tahun akhir.")
MSG_UNKNOWN_FORMAT = _("Format unduhan tidak dikenal.")

# The fields the period control shows; the others come only from an address.
SHOWN = ("dari", "sampai")


def _year_field(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.Select,
    )


def _year(value) -> int | None:
    """A year from the address, if it is plainly one (for the choices only)."""
    if (
        isinstance(value, str)
        and len(value) == 4
        and value.isascii()
        and value.isdigit()
    ):
        year = int(value)
        if FIRST_YEAR <= year <= LAST_YEAR:
            return year
    return None


class PeriodForm(forms.Form):
    """One period control: `?dari=2022&sampai=2024`, one year when both are the
    same. `?tahun=2024` (older links and bookmarks) still means that one year;
    with `dari`/`sampai` as well it is an error rather than a silent winner."""

    dari = _year_field(_("Dari tahun"))
    sampai = _year_field(_("Sampai tahun"))
    tahun = forms.IntegerField(
        label=_("Tahun"),
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.HiddenInput,
    )
    # The regency a region report drills into; looked up (and scoped) by the view.
    kabupaten = forms.CharField(
        label=_("Kabupaten/kota"),
        required=False,
        max_length=REGION_CODE_MAX_LENGTH,
        widget=forms.HiddenInput,
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": MSG_UNKNOWN_FORMAT},
    )

    # Set on the form shown for a valid period (see `shown`).
    current: Period | None = None
    regency = ""

    def __init__(self, *args, default: Period, formats=("html",), **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default
        self.fields["format"].choices = [(fmt, fmt) for fmt in formats]
        # The years with programmes, and any other year asked for (an empty one
        # is still shown as chosen, with "Belum ada data").
        years = set(default.years)
        asked = self.data if self.is_bound else {}
        years.update(_year(asked.get(name)) for name in self.fields)
        years.update(value for value in self.initial.values() if isinstance(value, int))
        years.discard(None)
        self.initial.setdefault("dari", default.first)
        self.initial.setdefault("sampai", default.last)
        choices = [(year, str(year)) for year in sorted(years)]
        for name in SHOWN:
            self.fields[name].widget.choices = choices

    def clean(self):
        cleaned_data = super().clean()
        year = cleaned_data.get("tahun")
        first, last = cleaned_data.get("dari"), cleaned_data.get("sampai")
        if year and (first or last):
            raise forms.ValidationError(MSG_YEAR_AND_RANGE, code="year_and_range")
        if first and last and first > last:
            self.add_error("sampai", MSG_RANGE_BACKWARDS)
        return cleaned_data

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.errors:
            # Shown again with its errors: a year left out shows the default,
            # not whichever year the browser selects first.
            shown = self.data.copy()
            defaults = {"dari": self.default.first, "sampai": self.default.last}
            for name, year in defaults.items():
                if name not in self.errors and _year(shown.get(name)) is None:
                    shown[name] = str(year)
            self.data = shown
        for name in self.errors:
            if name in SHOWN:
                self.fields[name].widget.attrs.update(
                    {
                        "aria-invalid": "true",
                        "aria-describedby": f"{self[name].auto_id}_error",
                    }
                )

    @property
    def fmt(self) -> str:
        return (self.cleaned_data.get("format") if self.is_bound else "") or "html"

    @property
    def regency_code(self) -> str:
        """The regency asked for, once valid ("" otherwise)."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return ""
        return self.cleaned_data.get("kabupaten") or ""

    @property
    def other_errors(self) -> list[str]:
        """The errors of what the control does not show (the form as a whole,
        and `tahun`, `kabupaten` or `format` from the address), as lines."""
        lines = [str(error) for error in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name in SHOWN or name == NON_FIELD_ERRORS:
                continue
            lines.extend(f"{self.fields[name].label}: {error}" for error in errors)
        return lines

    def period(self) -> Period:
        data = self.cleaned_data if self.is_bound else {}
        if data.get("tahun"):
            return Period(data["tahun"], data["tahun"])
        first = data.get("dari") or self.default.first
        last = data.get("sampai") or max(self.default.last, first)
        return Period(min(first, last), last)

    def shown(self, period: Period) -> "PeriodForm":
        """The control as it is shown for a valid period: the period chosen,
        whichever way it was asked for (`tahun` becomes dari = sampai)."""
        form = type(self)(
            default=self.default,
            initial={"dari": period.first, "sampai": period.last},
        )
        form.current = period
        form.regency = self.regency_code
        return form

    @property
    def presets(self) -> list[dict]:
        """One-click periods: all years with programmes, then each year."""
        first, last = self.default.first, self.default.last
        options = [(str(year), Period(year, year)) for year in self.default.years]
        if first != last:
            everything = _("Semua tahun (%(first)s-%(last)s)") % {
                "first": first,
                "last": last,
            }
            options.insert(0, (everything, Period(first, last)))
        extra = {"kabupaten": self.regency} if self.regency else {}
        return [
            {
                "label": label,
                "query": urlencode(
                    {"dari": period.first, "sampai": period.last, **extra}
                ),
                "current": period == self.current,
            }
            for label, period in options
        ]
