"""django-import-export resources behind the admin's import and export buttons.

They speak the same columns as the import page and the list exports
(`institutions.importing.lists`), and import through the same checks,
matching and all-or-nothing writer (`institutions.importing.resources`), so a
file the admin accepts is a file the import page accepts, and the other way
round.
"""

from .importing.lists import INSTITUTIONS
from .importing.resources import ListResource, columns_as_fields
from .models import ImportBatch, Institution


@columns_as_fields(INSTITUTIONS)
class InstitutionResource(ListResource):
    kind = ImportBatch.Kind.INSTITUTIONS

    class Meta:
        model = Institution
        fields: list[str] = []
        name = "Daftar lembaga"

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("village__district__regency")
