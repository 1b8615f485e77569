"""The personal-data access log, read-only for everyone."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import DataAccessLog


@admin.register(DataAccessLog)
class DataAccessLogAdmin(admin.ModelAdmin):
    """Superusers (and whoever is given `common.view_dataaccesslog`) read it;
    nobody adds, changes or deletes a row, not even a superuser."""

    list_display = ["at", "user", "action", "what", "filters", "rows", "address"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter), "at"]
    search_fields = ["what", "filters", "user__username", "user__first_name"]
    search_help_text = _("Cari data, saringan, atau nama pengguna.")
    list_select_related = ["user"]
    date_hierarchy = "at"
    ordering = ["-at", "-pk"]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
