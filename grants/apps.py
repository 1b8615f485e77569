from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "grants"
    verbose_name = _("Program dan bantuan")

    def ready(self):
        from institutions.signals import bank_account_changed

        from .services.payments import on_bank_account_changed

        bank_account_changed.connect(
            on_bank_account_changed, dispatch_uid="grants.bank_account_changed"
        )
