from django.urls import path

from . import document_views, views

app_name = "institutions"

urlpatterns = [
    path("lembaga/", views.InstitutionListView.as_view(), name="list"),
    path("lembaga/baru/", views.InstitutionCreateView.as_view(), name="create"),
    path("lembaga/<int:pk>/", views.InstitutionDetailView.as_view(), name="detail"),
    path(
        "lembaga/<int:pk>/ubah/", views.InstitutionUpdateView.as_view(), name="update"
    ),
    path(
        "lembaga/<int:pk>/dokumen/",
        document_views.document_upload,
        name="document_upload",
    ),
    path(
        "lembaga/<int:pk>/dokumen/<int:doc_pk>/berkas/",
        document_views.document_download,
        name="document_download",
    ),
    path("wilayah/kecamatan/", views.district_options, name="district_options"),
    path("wilayah/desa/", views.village_options, name="village_options"),
    path("bimtek/", views.TrainingEventListView.as_view(), name="training_list"),
    path("bimtek/baru/", views.training_create, name="training_create"),
    path("bimtek/<int:pk>/ubah/", views.training_update, name="training_update"),
    path(
        "bimtek/<int:pk>/peserta/",
        views.training_participants,
        name="training_participants",
    ),
    path(
        "bimtek/<int:pk>/peserta/<int:participant_pk>/ubah/",
        views.training_participant_update,
        name="training_participant_update",
    ),
    path(
        "bimtek/<int:pk>/peserta/<int:participant_pk>/sertifikat/",
        views.training_certificate,
        name="training_certificate",
    ),
    path(
        "bimtek/<int:pk>/daftar-hadir/",
        views.training_attendance_sheet,
        name="training_attendance_sheet",
    ),
    path(
        "bimtek/<int:pk>/peserta.csv",
        views.training_participants_export,
        {"fmt": "csv"},
        name="training_participants_csv",
    ),
    path(
        "bimtek/<int:pk>/peserta.xlsx",
        views.training_participants_export,
        {"fmt": "xlsx"},
        name="training_participants_xlsx",
    ),
    path(
        "bimtek/<int:pk>/",
        views.TrainingEventDetailView.as_view(),
        name="training_detail",
    ),
    path(
        "verifikasi-sertifikat/",
        views.certificate_verification,
        name="certificate_verification",
    ),
]
