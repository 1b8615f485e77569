"""Staff roles (docs/workflow.md, "Who does what"): Django groups created by migrations."""

from django.utils.translation import gettext_lazy as _

OPERATOR = "Operator"
VERIFIKATOR = "Verifikator"
PIMPINAN = "Pimpinan"
BENDAHARA = "Bendahara"
PENGAMAT = "Pengamat"

ROLES = (OPERATOR, VERIFIKATOR, PIMPINAN, BENDAHARA, PENGAMAT)

ROLE_DESCRIPTIONS = {
    OPERATOR: _("mencatat usulan, lembaga, impor, LPJ dan Bimtek"),
    VERIFIKATOR: _("memverifikasi usulan, mengembalikan atau menolaknya"),
    PIMPINAN: _("menyetujui bantuan dengan SK, mengelola program"),
    BENDAHARA: _("mencatat penyaluran dana"),
    PENGAMAT: _("hanya membaca daftar dan laporan"),
}
