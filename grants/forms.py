from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.forms import DateInput
from institutions.models import Institution

from .fields import RupiahField
from .models import AccountabilityReport, Grant, Program
from .services.programs import CeilingCheckMixin

KIND_FLAGS = {
    Institution.Kind.WKSBM: "covers_wksbm",
    Institution.Kind.KARANG_TARUNA: "covers_karang_taruna",
    Institution.Kind.LKSA: "covers_lksa",
}


class LinesField(forms.CharField):
    """One item per line; browsers send CRLF, so compare the items, not the text."""

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial) != self.to_python(data)


class ProgramForm(CeilingCheckMixin, forms.ModelForm):
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Jenis lembaga yang dapat dibantu"),
        choices=Institution.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    budget_ceiling = RupiahField(label=_("Pagu anggaran"))
    checklist_text = LinesField(
        label=_("Daftar periksa dokumen"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Satu dokumen per baris."),
    )

    class Meta:
        model = Program
        fields = [
            "year",
            "name",
            "spending_type",
            "budget_ceiling",
            "decree_number",
            "decree_date",
            "lpj_due_date",
        ]
        widgets = {"decree_date": DateInput(), "lpj_due_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lpj_due_date"].required = False
        self.fields["eligible_kinds"].initial = self.instance.eligible_kinds
        self.fields["checklist_text"].initial = "\n".join(self.instance.checklist or [])
        self.order_fields(
            ["year", "name", "spending_type", "eligible_kinds", "budget_ceiling"]
        )

    def clean_checklist_text(self) -> list[str]:
        items = self.cleaned_data["checklist_text"]
        if len(set(items)) != len(items):
            raise forms.ValidationError(_("Ada dokumen yang tertulis dua kali."))
        return items

    def clean(self):
        cleaned_data = super().clean()
        kinds = cleaned_data.get("eligible_kinds") or []
        for kind, flag in KIND_FLAGS.items():
            setattr(self.instance, flag, kind in kinds)
        if "checklist_text" in cleaned_data:
            self.instance.checklist = cleaned_data["checklist_text"]
        return cleaned_data


class StatusGuardForm(forms.Form):
    """Carries the status and version the user saw, so a stale form changes nothing."""

    expected_status = forms.ChoiceField(
        choices=Grant.Status.choices, widget=forms.HiddenInput
    )
    # The status alone misses a round trip (returned, then resubmitted with
    # another amount): the version changes with every save.
    expected_version = forms.CharField(required=False, widget=forms.HiddenInput)


class ProposeForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Program.objects.none()
    )
    amount = RupiahField(label=_("Nilai bantuan"))
    purpose = forms.CharField(
        label=_("Peruntukan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note = forms.CharField(label=_("Catatan"), required=False)
    accept_warnings = forms.BooleanField(
        label=_("Saya sudah membaca peringatan di atas dan tetap mengusulkan."),
        required=False,
    )

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution
        self.fields["program"].queryset = Program.objects.open_for_proposals(
            timezone.localdate()
        ).order_by("-year", "name")
        self.fields["program"].help_text = _(
            "Hanya program yang masih dibuka untuk tahun ini atau tahun depan."
        )
        self.fields["program"].error_messages["invalid_choice"] = _(
            "Program ini tidak menerima usulan: sudah ditutup, atau bukan program "
            "tahun ini atau tahun depan."
        )


class VerifyForm(StatusGuardForm):
    """Each checklist document judged one by one: no result is given by default."""

    # "on" stays the value of "Sesuai": it is what the former tick box sent.
    SESUAI = "on"
    TIDAK_SESUAI = "off"
    RESULTS = [(SESUAI, _("Sesuai")), (TIDAK_SESUAI, _("Tidak sesuai"))]

    note = forms.CharField(label=_("Catatan verifikasi"), required=False)

    def __init__(self, *args, checklist: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        for index, item in enumerate(checklist):
            self.fields[f"item_{index}"] = forms.ChoiceField(
                label=item,
                choices=self.RESULTS,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Pilih hasil pemeriksaan dokumen ini."),
                },
            )
            self.fields[f"item_{index}_note"] = forms.CharField(
                label=_("Catatan %(item)s") % {"item": item}, required=False
            )

    def checklist_rows(self):
        """(item, result field, note field) for each document, in checklist order."""
        return [
            (item, self[f"item_{i}"], self[f"item_{i}_note"])
            for i, item in enumerate(self.checklist)
        ]

    def clean(self):
        cleaned_data = super().clean()
        missing = []
        for index, item in enumerate(self.checklist):
            result = cleaned_data.get(f"item_{index}")
            if result == self.TIDAK_SESUAI:
                self.add_error(
                    f"item_{index}",
                    _("Dokumen tidak sesuai: usulan tidak dapat diverifikasi."),
                )
            if result != self.SESUAI:
                missing.append(item)
        if missing:
            raise forms.ValidationError(
                _(
                    "Dokumen belum lengkap: %(items)s. Kembalikan usulan bila perlu perbaikan."
                )
                % {"items": ", ".join(missing)}
            )
        return cleaned_data

    def checklist_results(self) -> dict[str, dict]:
        return {
            item: {
                "ok": self.cleaned_data.get(f"item_{index}") == self.SESUAI,
                "note": self.cleaned_data.get(f"item_{index}_note", ""),
            }
            for index, item in enumerate(self.checklist)
        }


class ReasonForm(StatusGuardForm):
    note = forms.CharField(
        label=_("Alasan"), widget=forms.Textarea(attrs={"rows": 3}), required=True
    )


class ResubmitForm(StatusGuardForm):
    amount = RupiahField(label=_("Nilai bantuan"))
    purpose = forms.CharField(
        label=_("Peruntukan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note = forms.CharField(label=_("Perbaikan yang dilakukan"), required=True)


class ReviseForm(StatusGuardForm):
    amount = RupiahField(label=_("Nilai bantuan baru"))
    purpose = forms.CharField(
        label=_("Peruntukan"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    note = forms.CharField(
        label=_("Alasan revisi"), widget=forms.Textarea(attrs={"rows": 2})
    )


class NphdForm(StatusGuardForm):
    number = forms.CharField(label=_("Nomor NPHD"), max_length=100)
    date = forms.DateField(label=_("Tanggal NPHD"), widget=DateInput())


class ConfirmBankForm(StatusGuardForm):
    note = forms.CharField(
        label=_("Catatan konfirmasi"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Misalnya: buku tabungan baru diperiksa, surat pengurus terlampir."
        ),
    )


class ApproveForm(StatusGuardForm):
    decree_number = forms.CharField(label=_("Nomor SK penetapan"), max_length=100)
    decree_date = forms.DateField(label=_("Tanggal SK"), widget=DateInput())
    note = forms.CharField(label=_("Catatan"), required=False)


class DisburseForm(StatusGuardForm):
    paid_on = forms.DateField(label=_("Tanggal salur"), widget=DateInput())
    amount = RupiahField(label=_("Jumlah disalurkan"))
    transfer_reference = forms.CharField(
        label=_("Nomor bukti transfer"), max_length=100
    )


class BulkActionForm(forms.Form):
    ACTIONS = [("verify", _("Verifikasi")), ("approve", _("Setujui"))]

    action = forms.ChoiceField(label=_("Tindakan"), choices=ACTIONS)
    grants = forms.ModelMultipleChoiceField(
        queryset=Grant.objects.none(), widget=forms.MultipleHiddenInput
    )
    decree_number = forms.CharField(
        label=_("Nomor SK penetapan"), max_length=100, required=False
    )
    decree_date = forms.DateField(
        label=_("Tanggal SK"), widget=DateInput(), required=False
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grants"].queryset = queryset
        self.fields["grants"].error_messages["required"] = _(
            "Pilih paling sedikit satu bantuan."
        )

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("action") == "approve" and not (
            cleaned_data.get("decree_number") and cleaned_data.get("decree_date")
        ):
            raise forms.ValidationError(
                _("Nomor dan tanggal SK penetapan wajib diisi untuk persetujuan.")
            )
        return cleaned_data


class LpjForm(forms.ModelForm):
    amount_spent = RupiahField(label=_("Dana terpakai"), min_value=0)
    refund_amount = RupiahField(label=_("Sisa dana yang harus disetor"), min_value=0)

    class Meta:
        model = AccountabilityReport
        fields = [
            "submitted_on",
            "amount_spent",
            "refund_amount",
            "has_usage_report",
            "has_signed_statement",
            "has_receipts",
            "note",
        ]
        widgets = {
            "submitted_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, grant: Grant, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.grant = grant
        self.fields["refund_amount"].required = False

    def clean_refund_amount(self) -> int:
        return self.cleaned_data.get("refund_amount") or 0


class LpjReviewForm(forms.Form):
    DECISIONS = [("accept", _("Terima LPJ")), ("revise", _("Minta perbaikan"))]

    # No decision is preselected: an LPJ is never accepted by an untouched form.
    decision = forms.ChoiceField(
        label=_("Keputusan"),
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Pilih keputusan pemeriksaan LPJ."),
            "invalid_choice": _("Pilih keputusan pemeriksaan LPJ."),
        },
    )
    note = forms.CharField(label=_("Catatan"), required=False)
    # The LPJ status and version the reviewer saw, so a stale page changes nothing.
    expected_status = forms.ChoiceField(
        choices=AccountabilityReport.Status.choices, widget=forms.HiddenInput
    )
    expected_version = forms.CharField(required=False, widget=forms.HiddenInput)


class RefundForm(StatusGuardForm):
    refunded_on = forms.DateField(label=_("Tanggal setor"), widget=DateInput())
    refund_reference = forms.CharField(label=_("Nomor bukti setor"), max_length=100)
