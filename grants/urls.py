from django.urls import path

from . import views

app_name = "grants"

urlpatterns = [
    path("program/", views.ProgramListView.as_view(), name="program_list"),
    path("program/baru/", views.ProgramCreateView.as_view(), name="program_create"),
    path("program/<int:pk>/", views.ProgramDetailView.as_view(), name="program_detail"),
    path(
        "program/<int:pk>/ubah/",
        views.ProgramUpdateView.as_view(),
        name="program_update",
    ),
    path("bantuan/", views.GrantListView.as_view(), name="grant_list"),
    path("bantuan/usul/", views.grant_propose, name="grant_propose"),
    path("bantuan/massal/", views.grant_bulk, name="grant_bulk"),
    path("bantuan/<int:pk>/", views.grant_detail, name="grant_detail"),
    path("bantuan/<int:pk>/<slug:action>/", views.grant_action, name="grant_action"),
    path("lpj/", views.LpjListView.as_view(), name="lpj_list"),
    path("lpj/<int:pk>/catat/", views.lpj_record, name="lpj_record"),
    path("lpj/<int:pk>/periksa/", views.lpj_review, name="lpj_review"),
]
