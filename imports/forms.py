from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.text import normalize_name
from institutions.models import Institution

from .cells import YEAR_MAX, YEAR_MIN
from .models import ImportBatch
from .sources import MSG_TOO_LARGE

MSG_INSTITUTION_UNKNOWN = _(
    "Lembaga tidak ditemukan: tulis nomor register atau nama lengkapnya."
)
MSG_INSTITUTION_AMBIGUOUS = _(
    "Ada beberapa lembaga dengan nama itu (%(names)s); tulis nomor registernya."
)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis daftar"),
        choices=ImportBatch.Kind.choices,
        initial=ImportBatch.Kind.RECIPIENTS,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("Berkas CSV atau Excel (.xlsx)"),
        help_text=_("Satu baris judul kolom, lalu satu baris per data."),
    )
    create_programs = forms.BooleanField(
        label=_("Buat program yang belum ada"),
        required=False,
        help_text=_(
            "Hanya untuk data tahun-tahun lalu: untuk tahun tanpa program bantuan "
            "dibuat \u201cBantuan Sosial Lembaga <tahun>\u201d dengan pagu sebesar "
            "jumlah bantuannya."
        ),
    )
    institution = forms.CharField(
        label=_("Lembaga (untuk daftar penerima manfaat)"),
        required=False,
        help_text=_("Nomor register atau nama lengkap lembaga."),
    )
    year = forms.IntegerField(
        label=_("Tahun (untuk daftar penerima manfaat)"),
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
    )

    def __init__(
        self, *args, institutions=None, may_create_programs: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.institutions = (
            institutions if institutions is not None else Institution.objects.all()
        )
        # Programmes of past years come from a file only with historical data,
        # so only a user allowed to import that sees the choice.
        if not may_create_programs:
            del self.fields["create_programs"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.BANSOS_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(MSG_TOO_LARGE)
                % {
                    "size": f"{upload.size / 1_048_576:.1f}",
                    "max": f"{limit / 1_048_576:g}",
                }
            )
        return upload

    def _find_institution(self, text: str) -> Institution:
        text = text.strip()
        condition = Q(registration_number=text) | Q(name_key=normalize_name(text))
        if text.isdigit():
            condition |= Q(pk=int(text))
        matches = list(self.institutions.filter(condition)[:4])
        exact = [
            m for m in matches if m.registration_number == text or str(m.pk) == text
        ]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(MSG_INSTITUTION_UNKNOWN)
        raise forms.ValidationError(
            MSG_INSTITUTION_AMBIGUOUS
            % {"names": ", ".join(f"{m.name} ({m.village})" for m in matches)}
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") != ImportBatch.Kind.BENEFICIARIES:
            return data
        if not data.get("institution"):
            self.add_error("institution", _("Pilih lembaga untuk penerima manfaat."))
        else:
            try:
                data["institution_obj"] = self._find_institution(data["institution"])
            except forms.ValidationError as error:
                self.add_error("institution", error)
        if not data.get("year") and "year" not in self.errors:
            self.add_error("year", _("Isi tahun penerima manfaat."))
        return data
