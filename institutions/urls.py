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
    path(
        "bimtek/<int:pk>/",
        views.TrainingEventDetailView.as_view(),
        name="training_detail",
    ),
]
