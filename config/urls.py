from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config import otp
from reports.views import home

admin.site.site_header = "Bansos Dinas Sosial Provinsi Gorontalo"
admin.site.site_title = "Bansos Dinsos Gorontalo"
admin.site.index_title = "Administrasi"

# templates/500.html, or the 503 page when the database cannot be reached.
handler500 = "config.outage.server_error"

urlpatterns = [
    path("", home, name="home"),
    path(
        "masuk/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("masuk/kode/", otp.verify, name="otp_verify"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("akun/keamanan/", otp.account_security, name="account_security"),
    path("akun/keamanan/qr.svg", otp.account_security_qr, name="account_security_qr"),
    path(
        "akun/sandi/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "akun/sandi/selesai/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("institutions.urls")),
    path("", include("grants.urls")),
    path("", include("imports.urls")),
    path("", include("reports.urls")),
    path("admin/", admin.site.urls),
    # The language switch is on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
