"""Admin for imports, and the import and export buttons on the institution and
grant lists (CSV and Excel, read and written as the import page does: any
delimiter and encoding Excel uses; NIK and account numbers kept as text)."""

from django.contrib import admin
from django.utils.translation import gettext_noop
from import_export.admin import ImportExportMixin

from common.access_log import log_data_access
from common.models import DataAccessLog
from grants.admin import GrantAdmin, InstitutionWithGrantsAdmin
from grants.models import Grant
from institutions.models import Institution

from .exports import masks_for
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

    def get_export_resource_kwargs(self, request, **kwargs):
        # The admin's export follows the export page's rules: NIK and account
        # numbers masked for whoever may not see them whole.
        return {
            **super().get_export_resource_kwargs(request, **kwargs),
            "masks": masks_for(request.user),
        }

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        log_data_access(
            request,
            DataAccessLog.Action.EXPORT,
            gettext_noop("Ekspor admin %(list)s (%(format)s)")
            % {
                "list": self.model._meta.verbose_name_plural,
                "format": file_format.get_title(),
            },
            filters=request.GET.urlencode(),
            rows=queryset.count(),
        )
        return data


admin.site.unregister(Institution)
admin.site.unregister(Grant)


@admin.register(Institution)
class InstitutionImportExportAdmin(ImportExportAdmin, InstitutionWithGrantsAdmin):
    resource_classes = [InstitutionResource]


@admin.register(Grant)
class GrantImportExportAdmin(ImportExportAdmin, GrantAdmin):
    resource_classes = [GrantResource]
