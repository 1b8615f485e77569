"""django-import-export resource for grants.

An import may propose new grants and correct the editable details of
existing ones; it never sets a status. A new grant is created through
`propose_grant`, so it passes the eligibility checks, starts as proposed and
gets its audit row like one proposed on screen.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from import_export import widgets
from import_export.fields import Field

from institutions.models import Institution
from institutions.resources import (
    BansosModelResource,
    CodeForeignKeyWidget,
    DayFirstDateWidget,
    LenientInstanceLoader,
)

from .models import Grant, Program
from .money import parse_amount
from .services import GrantError, propose_grant

# Once verified, the amount is what the verifier checked and, once approved,
# what counts against the programme's budget ceiling.
EDITABLE_STATUSES = (Grant.Status.PROPOSED, Grant.Status.NEEDS_REVISION)

MSG_AMOUNT_LOCKED = gettext_noop(
    "Nilai dan peruntukan bantuan berstatus %(status)s tidak dapat diubah lewat impor."
)
MSG_AMOUNT_INVALID = gettext_noop(
    "Tulis nilai dalam rupiah penuh, misalnya 10.000.000 atau Rp10.000.000."
)
MSG_NO_USER = gettext_noop("Impor bantuan harus dilakukan oleh pengguna yang masuk.")


class RupiahWidget(widgets.IntegerWidget):
    """Read `Rp 10.000.000`, `10.000.000,00` or `10000000`; write plain digits."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int):
            return value
        amount = parse_amount(str(value))
        if amount is None:
            raise ValueError(_(MSG_AMOUNT_INVALID))
        return amount

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return value
        return str(value)


GRANT_COLUMNS = [
    "program",
    "program__year",
    "program__name",
    "institution",
    "institution__name",
    "institution__kind",
    "institution__village",
    "amount",
    "purpose",
    "status",
    "decree_number",
    "decree_date",
    "nphd_number",
    "nphd_date",
]


class GrantResource(BansosModelResource):
    program = Field(
        attribute="program",
        column_name="program",
        widget=CodeForeignKeyWidget(Program),
    )
    institution = Field(
        attribute="institution",
        column_name="institution",
        widget=CodeForeignKeyWidget(Institution),
    )
    amount = Field(attribute="amount", column_name="amount", widget=RupiahWidget())
    # Exported for the reader; a status or a decree only changes through the
    # workflow services.
    status = Field(attribute="status", column_name="status", readonly=True)
    decree_number = Field(
        attribute="decree_number", column_name="decree_number", readonly=True
    )
    decree_date = Field(
        attribute="decree_date",
        column_name="decree_date",
        widget=DayFirstDateWidget(),
        readonly=True,
    )

    class Meta:
        model = Grant
        fields = GRANT_COLUMNS
        export_order = GRANT_COLUMNS
        import_id_fields = ["program", "institution"]
        instance_loader_class = LenientInstanceLoader
        clean_model_instances = True
        skip_unchanged = True

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user")

    def import_instance(self, instance, row, **kwargs):
        before = (instance.amount, instance.purpose)
        super().import_instance(instance, row, **kwargs)
        if (
            instance.pk is not None
            and instance.status not in EDITABLE_STATUSES
            and (instance.amount, instance.purpose) != before
        ):
            raise ValidationError(
                {
                    "amount": _(MSG_AMOUNT_LOCKED)
                    % {"status": instance.get_status_display()}
                }
            )

    def do_instance_save(self, instance, is_create):
        if not is_create:
            super().do_instance_save(instance, is_create)
            return
        if self.user is None:
            raise ValidationError(_(MSG_NO_USER))
        try:
            grant, _warnings = propose_grant(
                program=instance.program,
                institution=instance.institution,
                amount=instance.amount,
                purpose=instance.purpose,
                by=self.user,
            )
        except GrantError as error:
            raise ValidationError(error.message) from error
        instance.pk = grant.pk
        instance.status = grant.status
        instance.proposed_by = grant.proposed_by
        instance.created_at = grant.created_at
        instance.updated_at = grant.updated_at
        instance._state.adding = False
        if instance.nphd_number or instance.nphd_date:
            instance.save(update_fields=["nphd_number", "nphd_date", "updated_at"])
