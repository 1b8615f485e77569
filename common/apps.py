from django.apps import AppConfig


class CommonConfig(AppConfig):
    # Installed only for its template tags (`{% load rupiah %}`); it has no models.
    name = "common"
    verbose_name = "Umum"
