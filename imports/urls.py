from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("impor/", views.import_index, name="index"),
    path("impor/<int:pk>/", views.import_detail, name="detail"),
    path("impor/<int:pk>/konfirmasi/", views.import_confirm, name="confirm"),
    path("impor/<int:pk>/periksa-ulang/", views.import_recheck, name="recheck"),
    path("impor/<int:pk>/baris/", views.import_rows, name="rows"),
    path("impor/<int:pk>/berkas/", views.import_file, name="file"),
    path(
        "impor/templat/<slug:kind>.<slug:fmt>", views.import_template, name="template"
    ),
    path("impor/ekspor/<slug:what>.<slug:fmt>", views.export, name="export"),
    path(
        "impor/penerima-manfaat/",
        views.BeneficiaryListView.as_view(),
        name="beneficiary_list",
    ),
]
