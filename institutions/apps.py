from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "institutions"
    verbose_name = _("Lembaga dan wilayah")
