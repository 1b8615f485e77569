from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.uploads import ACCEPT_ATTRIBUTE, ScanField
from institutions.forms import DateInput
from institutions.models import Institution

from .fields import RupiahField
from .models import (
    AccountabilityReport,
    Grant,
    LpjEvidence,
    LpjEvidenceKind,
    Program,
)
from .services.lpj import Finding, kinds_to_review
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
        # One open programme for this kind of institution: nothing to choose.
        if not self.is_bound and "program" not in self.initial:
            covering = list(open_programs_for(institution)[:2])
            if len(covering) == 1:
                self.fields["program"].initial = covering[0].pk


def open_programs_for(institution: Institution):
    """The programmes open for proposals that cover the institution's kind."""
    return Program.objects.open_for_proposals(timezone.localdate()).filter(
        **{KIND_FLAGS[institution.kind]: True}
    )


class EligibilityOverrideForm(forms.Form):
    """A Pimpinan lets an institution be proposed in one programme despite its
    blockers, saying why."""

    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Program.objects.none()
    )
    reason = forms.CharField(
        label=_("Alasan pengecualian"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Alasan pengecualian wajib diisi.")},
    )

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, prefix="override", **kwargs)
        programs = open_programs_for(institution).exclude(
            eligibility_overrides__institution=institution
        )
        self.fields["program"].queryset = programs.order_by("-year", "name")
        self.fields["program"].error_messages["invalid_choice"] = _(
            "Pilih program terbuka untuk jenis lembaga ini yang belum memberi "
            "pengecualian kepada lembaga ini."
        )
        choices = list(programs[:2])
        if len(choices) == 1:
            self.fields["program"].initial = choices[0].pk

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Alasan pengecualian wajib diisi."))
        return reason


# The name of the submit button that finds every item in order.
ALL_IN_ORDER = "semua_sesuai"


def mark_all_in_order(form: forms.Form, fields: list[str], value: str) -> None:
    """When the form was sent with its "all in order" button, every finding in
    `fields` is "in order": an explicit choice, never a default."""
    if form.is_bound and form.data.get(form.add_prefix(ALL_IN_ORDER)):
        data = form.data.copy()
        for name in fields:
            data[form.add_prefix(name)] = value
        form.data = data


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
        mark_all_in_order(
            self, [f"item_{i}" for i in range(len(checklist))], self.SESUAI
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


MSG_NPHD_SCAN_REQUIRED = _(
    "Unggah pindaian NPHD yang sudah ditandatangani kedua pihak."
)


class NphdForm(StatusGuardForm):
    """The signed agreement: its number, date and scan (hibah only, so always)."""

    number = forms.CharField(label=_("Nomor NPHD"), max_length=100)
    date = forms.DateField(label=_("Tanggal NPHD"), widget=DateInput())
    scan = ScanField(
        label=_("Pindaian NPHD"),
        error_messages={"required": MSG_NPHD_SCAN_REQUIRED},
    )

    def __init__(self, *args, has_scan: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_scan:
            # Correcting the number or date keeps the scan already on record.
            self.fields["scan"].required = False
            self.fields["scan"].help_text = _(
                "Sudah ada pindaian; unggah hanya untuk menggantinya."
            )


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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleScanField(ScanField):
    """Several scans in one input, each checked like a single one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "multiple": True}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in data if f] if isinstance(data, list | tuple) else data
        if not files:
            if self.required:
                raise forms.ValidationError(
                    self.error_messages["required"], code="required"
                )
            return []
        if not isinstance(files, list):
            files = [files]
        cleaned, errors = [], []
        for file in files:
            try:
                cleaned.append(super().clean(file, initial))
            except forms.ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class LpjForm(forms.Form):
    """An LPJ as handed in: the figures and one file input per evidence kind.

    `required_kinds` are the kinds this submission must bring files for (all
    of them in the first round, those marked for a fix afterwards).
    """

    MULTIPLE = (LpjEvidenceKind.RECEIPTS, LpjEvidenceKind.PHOTOS)

    submitted_on = forms.DateField(label=_("Tanggal diserahkan"), widget=DateInput())
    amount_spent = RupiahField(label=_("Dana terpakai (Rp)"), min_value=0)
    refund_amount = RupiahField(
        label=_("Sisa dana disetor (Rp)"), min_value=0, required=False
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, required_kinds=(), returned=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("submitted_on", timezone.localdate())
        initial.setdefault("refund_amount", 0)
        if returned is not None:
            initial.update(
                amount_spent=returned.amount_spent,
                refund_amount=returned.refund_amount,
            )
        super().__init__(*args, **kwargs)
        for kind in LpjEvidenceKind:
            field_class = MultipleScanField if kind in self.MULTIPLE else ScanField
            field = field_class(
                label=kind.label,
                required=kind in required_kinds,
                error_messages={
                    "required": _("Unggah berkas %(kind)s.") % {"kind": kind.label}
                },
            )
            if returned is not None and kind not in required_kinds:
                field.help_text = _(
                    "Berkas putaran sebelumnya tetap berlaku; unggah hanya bila "
                    "menggantinya."
                )
            self.fields[f"evidence_{kind.value}"] = field

    def clean_refund_amount(self) -> int:
        return self.cleaned_data.get("refund_amount") or 0

    def evidence_fields(self):
        return [self[f"evidence_{kind.value}"] for kind in LpjEvidenceKind]

    def figure_fields(self):
        return [
            self[name] for name in ("submitted_on", "amount_spent", "refund_amount")
        ]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        evidence = {}
        for kind in LpjEvidenceKind:
            files = data.get(f"evidence_{kind.value}")
            evidence[kind.value] = (
                files if isinstance(files, list) else [files] if files else []
            )
        return {
            "submitted_on": data["submitted_on"],
            "amount_spent": data["amount_spent"],
            "refund_amount": data["refund_amount"],
            "note": data["note"],
            "evidence": evidence,
        }


class LpjReviewForm(forms.Form):
    """The verifier's finding per evidence item; no decision to pick.

    No finding is preselected: an LPJ is never accepted by an untouched form.
    """

    IN_ORDER, NEEDS_FIX = "sesuai", "perbaikan"
    FINDINGS = [(IN_ORDER, _("Sesuai")), (NEEDS_FIX, _("Perlu perbaikan"))]

    note = forms.CharField(label=_("Catatan umum"), required=False)
    # The LPJ status and version the reviewer saw, so a stale page changes nothing.
    expected_status = forms.ChoiceField(
        choices=AccountabilityReport.Status.choices, widget=forms.HiddenInput
    )
    expected_version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, report: AccountabilityReport | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The required evidence, and the supporting evidence the grantee brought.
        reviewed = (
            kinds_to_review(report)
            if report is not None
            else LpjEvidence.REQUIRED_KINDS
        )
        for kind in LpjEvidenceKind:
            message = _("Pilih Sesuai atau Perlu perbaikan untuk %(kind)s.") % {
                "kind": kind.label
            }
            self.fields[f"item_{kind.value}"] = forms.ChoiceField(
                label=kind.label,
                required=kind in reviewed,
                choices=self.FINDINGS,
                widget=forms.RadioSelect(attrs={"class": "lpj-finding"}),
                error_messages={"required": message, "invalid_choice": message},
            )
            self.fields[f"note_{kind.value}"] = forms.CharField(
                label=_("Catatan %(kind)s") % {"kind": kind.label},
                required=False,
                widget=forms.TextInput,
            )
        mark_all_in_order(
            self, [f"item_{kind.value}" for kind in LpjEvidenceKind], self.IN_ORDER
        )

    def clean(self):
        cleaned = super().clean()
        for kind in LpjEvidenceKind:
            finding = cleaned.get(f"item_{kind.value}")
            note = (cleaned.get(f"note_{kind.value}") or "").strip()
            if finding == self.NEEDS_FIX and not note:
                self.add_error(
                    f"note_{kind.value}",
                    _("Tulis apa yang harus diperbaiki pada %(kind)s.")
                    % {"kind": kind.label},
                )
        return cleaned

    def rows(self):
        """(kind, finding field, note field) per evidence kind, in order."""
        return [
            (kind, self[f"item_{kind.value}"], self[f"note_{kind.value}"])
            for kind in LpjEvidenceKind
        ]

    def findings(self) -> dict[str, Finding]:
        return {
            kind.value: Finding(
                in_order=self.cleaned_data[f"item_{kind.value}"] == self.IN_ORDER,
                note=self.cleaned_data[f"note_{kind.value}"],
            )
            for kind in LpjEvidenceKind
            if self.cleaned_data.get(f"item_{kind.value}")
        }


class RefundForm(StatusGuardForm):
    refunded_on = forms.DateField(label=_("Tanggal setor"), widget=DateInput())
    refund_reference = forms.CharField(label=_("Nomor bukti setor"), max_length=100)
    refund_proof = ScanField(label=_("Pindaian bukti setor"))
