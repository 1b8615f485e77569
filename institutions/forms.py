from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from common.masking import mask_account
from common.uploads import ScanField

from .models import (
    District,
    DocumentKind,
    Institution,
    InstitutionDocument,
    Participant,
    Regency,
    Speaker,
    TrainingEvent,
    Village,
)
from .queries import similar_institutions


class DateInput(forms.DateInput):
    """A text date input: `dd/mm/yyyy`, the way staff write dates."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={
                "placeholder": "dd/mm/yyyy",
                "inputmode": "numeric",
                **(attrs or {}),
            },
            format="%d/%m/%Y",
        )


class RegionFieldsMixin:
    """Regency -> district -> village selects; the later ones list only the
    children of what was chosen, and JavaScript refills them without a reload."""

    def setup_region_fields(self, village: Village | None) -> None:
        data = self.data if self.is_bound else {}
        regency_code = data.get(self.add_prefix("regency")) or (
            village.district.regency_id if village else ""
        )
        district_code = data.get(self.add_prefix("district")) or (
            village.district_id if village else ""
        )
        self.fields["regency"].initial = regency_code
        self.fields["district"].initial = district_code
        self.fields["district"].queryset = District.objects.filter(
            regency_id=regency_code or None
        )
        self.fields["village"].queryset = Village.objects.filter(
            district_id=district_code or None
        )
        # The lists hold only the children of the chosen parent, so a choice
        # outside them is one from another regency or district.
        self.fields["district"].error_messages["invalid_choice"] = _(
            "Kecamatan tidak berada di kabupaten/kota ini."
        )
        self.fields["village"].error_messages["invalid_choice"] = _(
            "Desa/kelurahan tidak berada di kecamatan ini."
        )

    def clean_region(self, cleaned_data: dict) -> None:
        district, village = cleaned_data.get("district"), cleaned_data.get("village")
        regency = cleaned_data.get("regency")
        if district and regency and district.regency_id != regency.code:
            self.add_error(
                "district", _("Kecamatan tidak berada di kabupaten/kota ini.")
            )
        if village and district and village.district_id != district.code:
            self.add_error(
                "village", _("Desa/kelurahan tidak berada di kecamatan ini.")
            )


def region_fields() -> dict:
    return {
        "regency": forms.ModelChoiceField(
            label=_("Kabupaten/kota"),
            queryset=Regency.objects.all(),
            widget=forms.Select(
                attrs={
                    "data-chain-child": "id_district",
                    "data-chain-url": "/wilayah/kecamatan/",
                }
            ),
        ),
        "district": forms.ModelChoiceField(
            label=_("Kecamatan"),
            queryset=District.objects.none(),
            widget=forms.Select(
                attrs={
                    "data-chain-child": "id_village",
                    "data-chain-url": "/wilayah/desa/",
                }
            ),
        ),
    }


class HiddenAccountNumberMixin:
    """The account number field for a user who may not see it whole: the page
    shows only its mask; left empty it keeps the stored number, typed it
    replaces it (and the bank change is recorded as for anyone)."""

    account_number_hidden = False

    def hide_account_number(self) -> None:
        self.account_number_hidden = True
        self.initial["account_number"] = ""
        self.stored_account_number = stored = self.instance.account_number
        if stored:
            masked = mask_account(stored)
            field = self.fields["account_number"]
            field.widget.attrs["placeholder"] = masked
            field.help_text = _(
                "Tersimpan: %(masked)s. Biarkan kosong agar tetap; isi untuk "
                "menggantinya."
            ) % {"masked": masked}

    def account_number_or_kept(self, value: str) -> str:
        if self.account_number_hidden and not value:
            return self.stored_account_number
        return value

    @cached_property
    def changed_data(self) -> list[str]:
        # The field starts empty, not with the stored number: the stored
        # number kept, or typed again, is no change.
        changed = super().changed_data
        if self.account_number_hidden and "account_number" in changed:
            kept = getattr(self, "cleaned_data", {}).get("account_number")
            if kept == self.stored_account_number:
                changed = [name for name in changed if name != "account_number"]
        return changed


class InstitutionForm(HiddenAccountNumberMixin, RegionFieldsMixin, forms.ModelForm):
    regency = region_fields()["regency"]
    district = region_fields()["district"]
    # Wider than the 16 stored digits: staff paste the dotted legacy form.
    npwp = forms.CharField(label=_("NPWP"), max_length=25, required=False)
    confirm_similar = forms.BooleanField(
        label=_("Saya sudah memeriksa: ini lembaga yang berbeda."),
        required=False,
    )

    class Meta:
        model = Institution
        fields = [
            "kind",
            "wksbm_type",
            "name",
            "regency",
            "district",
            "village",
            "address",
            "leader_name",
            "phone",
            "email",
            "registration_number",
            "registration_date",
            "registration_issuer",
            "npwp",
            "bank_name",
            "account_number",
            "account_holder",
            "permit_number",
            "permit_expires_on",
            "accreditation",
            "accreditation_expires_on",
            "active",
        ]
        widgets = {
            "registration_date": DateInput(),
            "permit_expires_on": DateInput(),
            "accreditation_expires_on": DateInput(),
            "address": forms.TextInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.similar: list[Institution] = []
        village = self.instance.village if self.instance.village_id else None
        self.setup_region_fields(village)
        self.order_fields([*self.Meta.fields, "confirm_similar"])
        # A WKSBM type says the kind: choosing one is enough (clean() and the
        # page's script fill in "WKSBM").
        self.fields["kind"].required = False
        self.fields["wksbm_type"].widget.attrs.update(
            {
                "data-implies": self["kind"].auto_id,
                "data-implies-value": Institution.Kind.WKSBM,
            }
        )
        if self.instance.pk:
            del self.fields["confirm_similar"]
        else:
            # A new institution's account is usually in its own name; once
            # saved, a rename must never touch the account holder.
            self.fields["account_holder"].widget.attrs["data-copy-from"] = self[
                "name"
            ].auto_id

    def preselect_regency(self, regencies) -> None:
        """A user who works on one regency starts a new institution there."""
        if self.is_bound or self.instance.village_id or len(regencies) != 1:
            return
        self.initial["regency"] = regencies[0].code
        self.fields["district"].queryset = District.objects.filter(regency=regencies[0])

    def clean_npwp(self) -> str:
        # Staff copy NPWPs in the dotted legacy form; store the digits.
        return "".join(ch for ch in self.cleaned_data["npwp"] if ch.isdigit())

    def clean_account_number(self) -> str:
        value = self.cleaned_data["account_number"]
        return self.account_number_or_kept(
            value.replace(" ", "").replace("-", "").replace(".", "")
        )

    def clean(self):
        cleaned_data = super().clean()
        self.clean_region(cleaned_data)
        kind = cleaned_data.get("kind")
        if not kind and cleaned_data.get("wksbm_type"):
            kind = cleaned_data["kind"] = Institution.Kind.WKSBM
        elif not kind and "kind" not in self.errors:
            self.add_error("kind", _("Pilih jenis lembaga."))
        if kind == Institution.Kind.WKSBM and not cleaned_data.get("wksbm_type"):
            self.add_error("wksbm_type", _("Pilih jenis WKSBM."))
        if kind != Institution.Kind.WKSBM:
            cleaned_data["wksbm_type"] = ""
        if kind != Institution.Kind.LKSA and cleaned_data.get("accreditation"):
            self.add_error("accreditation", _("Akreditasi hanya untuk LKSA."))
        if (
            not self.instance.pk
            and kind
            and cleaned_data.get("name")
            and cleaned_data.get("village")
            and not self.errors
        ):
            self.similar = list(
                similar_institutions(
                    kind, cleaned_data["name"], cleaned_data["village"]
                )
            )
            if self.similar and not cleaned_data.get("confirm_similar"):
                self.add_error(
                    "confirm_similar",
                    _(
                        "Ada lembaga sejenis dengan nama mirip di desa/kelurahan ini. "
                        "Periksa daftar di atas; centang jika memang lembaga berbeda."
                    ),
                )
        return cleaned_data


class TrainingEventForm(forms.ModelForm):
    class Meta:
        model = TrainingEvent
        fields = [
            "title",
            "kind",
            "target_kind",
            "start_date",
            "end_date",
            "venue",
            "regency",
            "organiser",
            "notes",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


SpeakerFormSet = forms.inlineformset_factory(
    TrainingEvent,
    Speaker,
    fields=["role", "name", "position", "origin", "order"],
    extra=2,
    can_delete=True,
)


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["institution", "person_name", "role"]
        widgets = {"institution": forms.HiddenInput}

    def __init__(self, *args, event: TrainingEvent, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.event = event
        self.fields["institution"].queryset = institutions

    def _get_validation_exclusions(self):
        # The event is set by the view, not the form, but the unique rule
        # (one person of an institution once per event) must still be checked.
        return super()._get_validation_exclusions() - {"event"}


class ParticipantChangeForm(forms.ModelForm):
    """A participant's name and role; the institution stays as added."""

    class Meta:
        model = Participant
        fields = ["person_name", "role"]

    def _get_validation_exclusions(self):
        # One person of an institution once per event, also after a rename.
        return super()._get_validation_exclusions() - {"event", "institution"}


class CertificateCodeForm(forms.Form):
    """A certificate's verification code, as typed off the paper."""

    kode = forms.CharField(
        label=_("Kode verifikasi"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "size": 16}
        ),
    )

    def clean_kode(self) -> str:
        # Typed with spaces or dashes between groups, or in lower case.
        code = self.cleaned_data["kode"]
        return "".join(code.split()).replace("-", "").upper()


MSG_NIK_SIXTEEN_DIGITS = _("NIK harus 16 angka, misalnya 7502014508900001.")


class NikSearchForm(forms.Form):
    """One NIK to look up, sent by POST so that it stays out of addresses and
    server logs."""

    nik = forms.CharField(
        label=_("NIK"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "size": 20}
        ),
        error_messages={
            "required": MSG_NIK_SIXTEEN_DIGITS,
            "max_length": MSG_NIK_SIXTEEN_DIGITS,
        },
    )

    def clean_nik(self) -> str:
        # Copied from a KTP scan or a spreadsheet: spaces and dots between groups.
        nik = "".join(self.cleaned_data["nik"].split()).replace(".", "")
        if len(nik) != 16 or not nik.isascii() or not nik.isdigit():
            raise forms.ValidationError(MSG_NIK_SIXTEEN_DIGITS)
        return nik


# Legal documents ---------------------------------------------------------------


class InstitutionDocumentRowForm(forms.Form):
    """One kind of document: its number and dates, and the scan that makes it."""

    number = forms.CharField(label=_("Nomor dokumen"), max_length=100, required=False)
    issued_on = forms.DateField(
        label=_("Tanggal dokumen"), required=False, widget=DateInput()
    )
    expires_on = forms.DateField(
        label=_("Berlaku sampai"),
        required=False,
        widget=DateInput(),
        help_text=_("Kosongkan bila berlaku tanpa batas waktu."),
    )
    scan = ScanField(required=False)

    def __init__(self, *args, kind: DocumentKind, **kwargs):
        super().__init__(*args, prefix=kind.value, **kwargs)
        self.kind = kind
        self.fields["scan"].label = _("Pindaian %(kind)s") % {"kind": kind.label}

    def clean(self):
        cleaned = super().clean()
        issued_on, expires_on = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued_on and expires_on and expires_on < issued_on:
            self.add_error(
                "expires_on",
                _("Tanggal berlaku sampai tidak boleh sebelum tanggal dokumen."),
            )
        filled = cleaned.get("number") or issued_on or expires_on
        if filled and not cleaned.get("scan") and "scan" not in self.errors:
            self.add_error(
                "scan",
                _(
                    "Unggah pindaian %(kind)s, atau kosongkan nomor dan tanggalnya: "
                    "dokumen hanya dicatat bersama pindaiannya."
                )
                % {"kind": self.kind.label},
            )
        return cleaned

    def row(self) -> dict:
        """What the service stores for this kind."""
        data = self.cleaned_data
        return {
            "kind": self.kind.value,
            "number": data["number"].strip(),
            "issued_on": data["issued_on"],
            "expires_on": data["expires_on"],
            "file": data["scan"],
        }


class InstitutionDocumentsForm:
    """Every required document in one form: a row per kind, saved together.

    A row counts only with its scan; at least one scan is needed. The form is
    valid only when every row is.
    """

    MSG_NOTHING = _("Unggah paling sedikit satu pindaian dokumen.")

    def __init__(self, data=None, files=None):
        self.is_bound = data is not None
        self.rows = [
            InstitutionDocumentRowForm(data, files, kind=kind)
            for kind in InstitutionDocument.REQUIRED_KINDS
        ]
        self._non_field_errors: list[str] = []

    def __iter__(self):
        return iter(self.rows)

    def is_valid(self) -> bool:
        if not self.is_bound:
            return False
        # Every row is checked, so that each shows its own errors.
        results = [row.is_valid() for row in self.rows]
        valid = all(results)
        self._non_field_errors = []
        if valid and not any(row.cleaned_data.get("scan") for row in self.rows):
            self._non_field_errors.append(str(self.MSG_NOTHING))
            return False
        return valid

    def non_field_errors(self) -> list[str]:
        return self._non_field_errors

    @property
    def errors(self) -> bool:
        return bool(self._non_field_errors) or any(row.errors for row in self.rows)

    def cleaned_rows(self) -> list[dict]:
        """The rows to store: those with a scan, in the order of the kinds."""
        return [row.row() for row in self.rows if row.cleaned_data.get("scan")]
