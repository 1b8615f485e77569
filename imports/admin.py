"""Admin for imports, and the import and export buttons on the institution and
grant lists (CSV and Excel, read and written as the import page does: any
delimiter and encoding Excel uses; NIK and account numbers kept as text)."""

from django.contrib import admin
from import_export.admin import ImportExportMixin

from grants.admin import GrantAdmin, InstitutionWithGrantsAdmin
from grants.models import Grant
from institutions.models import Institution

from .models import ImportBatch
from .resources import FORMATS, GrantResource, InstitutionResource


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Imports are made and confirmed on the import page; here they are read."""

    list_display = [
        "id",
        "file_name",
        "kind",
        "status",
        "created_by",
        "created_at",
        "rows_total",
        "rows_new",
        "rows_updated",
        "rows_rejected",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "=sha256"]
    list_select_related = ["created_by"]
    ordering = ["-created_at"]
    list_per_page = 50
    exclude = ["report"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ImportExportAdmin(ImportExportMixin):
    formats = FORMATS
    # An import is recorded as an ImportBatch, with history rows for changes.
    skip_admin_log = True


admin.site.unregister(Institution)
admin.site.unregister(Grant)


@admin.register(Institution)
class InstitutionImportExportAdmin(ImportExportAdmin, InstitutionWithGrantsAdmin):
    resource_classes = [InstitutionResource]


@admin.register(Grant)
class GrantImportExportAdmin(ImportExportAdmin, GrantAdmin):
    resource_classes = [GrantResource]
