from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Bansos Dinas Sosial Provinsi Gorontalo"
admin.site.site_title = "Bansos Dinsos Gorontalo"
admin.site.index_title = "Administrasi"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
