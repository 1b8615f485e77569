from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.money import rupiah
from common.text import normalize_name
from grants.fields import RupiahField
from institutions.models import Institution

from .batches import Options
from .cells import YEAR_MAX, YEAR_MIN
from .models import ImportBatch
from .sources import MSG_TOO_LARGE

MSG_INSTITUTION_UNKNOWN = _(
    "Lembaga tidak ditemukan: tulis nomor register atau nama lengkapnya."
)
MSG_CEILING_MISSING = _("Isi pagu program yang akan dibuat.")
MSG_INSTITUTION_AMBIGUOUS = _(
    "Ada beberapa lembaga dengan nama itu (%(names)s); tulis nomor registernya."
)


class ListOptionsForm(forms.Form):
    """What the operator chooses besides the file: the options of `batches.Options`."""

    create_programs = forms.BooleanField(
        label=_("Buat program yang belum ada"),
        required=False,
        help_text=_(
            "Untuk tahun tanpa program bantuan dibuat “Bantuan Sosial Lembaga "
            "<tahun>”; pagunya Anda isi di pratinjau, lalu periksa ulang."
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
        # Only a user who manages programmes may have an import create them.
        if not may_create_programs:
            del self.fields["create_programs"]

    def list_kind(self, data: dict) -> str:
        raise NotImplementedError

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
        if self.list_kind(data) != ImportBatch.Kind.BENEFICIARIES:
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

    def options(self) -> Options:
        data = self.cleaned_data
        institution = data.get("institution_obj")
        return Options(
            create_programs=data.get("create_programs", False),
            institution_id=institution.pk if institution else None,
            year=data.get("year"),
        )


class ImportForm(ListOptionsForm):
    """A list to upload, and its options."""

    field_order = ["kind", "file"]

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

    def list_kind(self, data: dict) -> str:
        return data.get("kind", "")

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


class RecheckForm(ListOptionsForm):
    """Other options for a list already uploaded: its file is checked again.

    Offers only what the list's kind reads; to users who may create
    programmes, a ceiling for each programme the file would create.
    """

    def __init__(
        self, *args, batch: ImportBatch, new_programs: list[dict] = (), **kwargs
    ):
        self.batch = batch
        chosen = batch.options or {}
        kwargs.setdefault("initial", self._initial(chosen))
        super().__init__(*args, **kwargs)
        if batch.kind != ImportBatch.Kind.RECIPIENTS:
            self.fields.pop("create_programs", None)
        if batch.kind != ImportBatch.Kind.BENEFICIARIES:
            del self.fields["institution"]
            del self.fields["year"]
        else:
            self.fields["institution"].label = _("Lembaga")
            self.fields["year"].label = _("Tahun")
        self.ceilings: list[tuple[str, dict]] = []
        if "create_programs" in self.fields:
            ceilings = chosen.get("program_ceilings") or {}
            for index, program in enumerate(new_programs):
                name = f"pagu_{index}"
                self.fields[name] = RupiahField(
                    label=_("Pagu %(name)s (%(year)s)")
                    % {"name": program["name"], "year": program["year"]},
                    required=False,
                    initial=ceilings.get(program["key"]),
                    help_text=_("Bantuan dalam berkas untuk program ini: %(needed)s.")
                    % {"needed": rupiah(program["needed"])},
                )
                self.ceilings.append((name, program))

    @staticmethod
    def _initial(chosen: dict) -> dict:
        initial = {
            "create_programs": bool(chosen.get("create_programs")),
            "year": chosen.get("year"),
        }
        if chosen.get("institution_id"):
            institution = Institution.objects.filter(
                pk=chosen["institution_id"]
            ).first()
            if institution is not None:
                initial["institution"] = institution.registration_number or str(
                    institution.pk
                )
        return initial

    @property
    def ceiling_fields(self):
        return [self[name] for name, _program in self.ceilings]

    @property
    def other_fields(self):
        ceilings = {name for name, _program in self.ceilings}
        return [field for field in self if field.name not in ceilings]

    def list_kind(self, data: dict) -> str:
        return self.batch.kind

    def clean(self):
        data = super().clean()
        if data.get("create_programs"):
            for name, _program in self.ceilings:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, MSG_CEILING_MISSING)
        return data

    def options(self) -> Options:
        options = super().options()
        data = self.cleaned_data
        options.program_ceilings = {
            program["key"]: data[name]
            for name, program in self.ceilings
            if data.get(name) is not None
        }
        return options


# The row filter of a batch's rows page: its words, and the action each reads.
ROW_FILTERS = {
    "ditolak": "rejected",
    "baru": "new",
    "diperbarui": "updated",
    "tidak-berubah": "unchanged",
}


class RowFilterForm(forms.Form):
    aksi = forms.ChoiceField(
        label=_("Tindakan"),
        required=False,
        choices=[
            ("", _("Semua")),
            ("ditolak", _("Ditolak")),
            ("baru", _("Baru")),
            ("diperbarui", _("Diperbarui")),
            ("tidak-berubah", _("Tidak berubah")),
        ],
    )

    def action(self) -> str:
        """The action the filter keeps ("new", ...), or "" for every row."""
        return ROW_FILTERS.get(self.cleaned_data.get("aksi") or "", "")
