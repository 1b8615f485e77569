"""django-import-export resources behind the admin's import and export buttons.

Rows are matched on natural keys, relations are given by code, and every row
goes through `full_clean()` before it is saved, so an import refuses what a
form would refuse. Column headers are the model field names: they must stay
the same whatever language the admin is shown in, or an exported file would
not import again.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.instance_loaders import ModelInstanceLoader

from config.formats.id.formats import DATE_INPUT_FORMATS

from .models import Institution, Village
from .text import normalize_name

# A spreadsheet runs a cell that starts with one of these as a formula; tablib
# and django-import-export only neutralise a leading `=`.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class DayFirstDateWidget(widgets.DateWidget):
    """Read `05/03/2024` as 5 March, as the office means it.

    The stock widget falls back to Django's global DATE_INPUT_FORMATS, which
    reads month first.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.formats = tuple(DATE_INPUT_FORMATS)


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """Look a related row up by its key and say which key is unknown."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        try:
            return super().clean(value, row, **kwargs)
        except ObjectDoesNotExist:
            # A ValueError is reported against the column, not as a crash.
            raise ValueError(
                _("%(model)s dengan kode %(value)s tidak ditemukan.")
                % {"model": self.model._meta.verbose_name, "value": value}
            ) from None


class LenientInstanceLoader(ModelInstanceLoader):
    """Treat a row whose key does not resolve as new, so that the row's own
    validation reports the bad value next to its column."""

    def get_instance(self, row):
        try:
            return super().get_instance(row)
        except ValueError:
            return None


class BansosModelResource(resources.ModelResource):
    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "DateField": DayFirstDateWidget,
    }

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    def before_import_row(self, row, **kwargs):
        # Undo export_field's guard when a file comes back unchanged.
        for column, value in row.items():
            if (
                isinstance(value, str)
                and value.startswith("'")
                and value[1:].startswith(FORMULA_PREFIXES)
            ):
                row[column] = value[1:]


class InstitutionInstanceLoader(LenientInstanceLoader):
    """Find an institution the way the database tells two apart: kind, village
    and the normalised name, so `MAJELIS TAKLIM AL IKHLAS` updates
    `Majelis Taklim Al-Ikhlas` instead of failing as a duplicate."""

    def get_instance(self, row):
        columns = self.resource.fields
        try:
            kind = columns["kind"].clean(row)
            village = columns["village"].clean(row)
        except ValueError:
            return None
        name_key = normalize_name(columns["name"].clean(row) or "")
        if not (kind and village and name_key):
            return None
        return (
            self.get_queryset()
            .filter(kind=kind, village=village, name_key=name_key)
            .first()
        )


INSTITUTION_COLUMNS = [
    "kind",
    "wksbm_type",
    "name",
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


class InstitutionResource(BansosModelResource):
    village = Field(
        attribute="village",
        column_name="village",
        widget=CodeForeignKeyWidget(Village, field="code"),
    )

    class Meta:
        model = Institution
        fields = INSTITUTION_COLUMNS
        export_order = INSTITUTION_COLUMNS
        import_id_fields = ["kind", "name", "village"]
        instance_loader_class = InstitutionInstanceLoader
        clean_model_instances = True
        skip_unchanged = True

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            instance.created_by = kwargs.get("user")
