from django.apps import AppConfig


class CommonConfig(AppConfig):
    # Template tags (`{% load rupiah %}`) and the personal-data access log.
    name = "common"
    verbose_name = "Umum"
