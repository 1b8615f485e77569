from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    District,
    Institution,
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


class InstitutionForm(RegionFieldsMixin, forms.ModelForm):
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
        if self.instance.pk:
            del self.fields["confirm_similar"]

    def clean_npwp(self) -> str:
        # Staff copy NPWPs in the dotted legacy form; store the digits.
        return "".join(ch for ch in self.cleaned_data["npwp"] if ch.isdigit())

    def clean_account_number(self) -> str:
        value = self.cleaned_data["account_number"]
        return value.replace(" ", "").replace("-", "").replace(".", "")

    def clean(self):
        cleaned_data = super().clean()
        self.clean_region(cleaned_data)
        kind = cleaned_data.get("kind")
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
