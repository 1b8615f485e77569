from django.urls import path

from .views import evidence, files, lpj, overrides, programs, workflow

app_name = "grants"

urlpatterns = [
    path("program/", programs.ProgramListView.as_view(), name="program_list"),
    path("program/baru/", programs.ProgramCreateView.as_view(), name="program_create"),
    path(
        "program/<int:pk>/", programs.ProgramDetailView.as_view(), name="program_detail"
    ),
    path(
        "program/<int:pk>/ubah/",
        programs.ProgramUpdateView.as_view(),
        name="program_update",
    ),
    path(
        "program/<int:pk>/<slug:action>/",
        programs.program_open_close,
        name="program_open_close",
    ),
    path("bantuan/", workflow.GrantListView.as_view(), name="grant_list"),
    path("bantuan/usul/", workflow.grant_propose, name="grant_propose"),
    path("bantuan/massal/", workflow.grant_bulk, name="grant_bulk"),
    path("bantuan/<int:pk>/", workflow.grant_detail, name="grant_detail"),
    path(
        "bantuan/<int:pk>/nphd/berkas/", files.grant_nphd_scan, name="grant_nphd_scan"
    ),
    path(
        "bantuan/usul/pengecualian/",
        overrides.override_grant,
        name="eligibility_override",
    ),
    path("bantuan/<int:pk>/<slug:action>/", workflow.grant_action, name="grant_action"),
    path("lpj/", lpj.LpjListView.as_view(), name="lpj_list"),
    path("lpj/<int:pk>/catat/", lpj.lpj_record, name="lpj_record"),
    path("lpj/<int:pk>/periksa/", lpj.lpj_review, name="lpj_review"),
    path(
        "lpj/<int:pk>/bukti/<int:evidence_pk>/",
        evidence.lpj_evidence_file,
        name="lpj_evidence_file",
    ),
    path(
        "lpj/<int:pk>/bukti-setor/",
        evidence.refund_proof_file,
        name="lpj_refund_proof",
    ),
]
