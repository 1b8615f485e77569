from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("laporan/", views.index, name="index"),
    path("laporan/tahunan/", views.yearly, name="yearly"),
    path("laporan/wilayah/", views.region, name="region"),
    path("laporan/lpj/", views.lpj, name="lpj"),
    path("laporan/bimtek/", views.training, name="training"),
    path("transparansi/", views.transparency, name="transparency"),
]
