from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("laporan/", views.index, name="index"),
]
