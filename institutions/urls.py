from django.urls import path

from . import views

app_name = "institutions"

urlpatterns = [
    path("lembaga/", views.InstitutionListView.as_view(), name="list"),
    path("lembaga/baru/", views.InstitutionCreateView.as_view(), name="create"),
    path("lembaga/<int:pk>/", views.InstitutionDetailView.as_view(), name="detail"),
    path(
        "lembaga/<int:pk>/ubah/", views.InstitutionUpdateView.as_view(), name="update"
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
        "bimtek/<int:pk>/",
        views.TrainingEventDetailView.as_view(),
        name="training_detail",
    ),
]
