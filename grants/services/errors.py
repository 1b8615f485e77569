"""Refusals of the grant services, and the messages users read for them."""

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.uploads import FileType, validate_upload

from ..models import Grant

Status = Grant.Status


class GrantError(Exception):
    """A workflow rule refused the action; `message` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(GrantError):
    pass


class NotAllowed(GrantError):
    """The user's role or a separation-of-duties rule forbids the step."""


class StaleGrant(GrantError):
    pass


class NotEligible(GrantError):
    pass


class CeilingExceeded(GrantError):
    pass


class OverDisbursement(GrantError):
    pass


class PaymentBlocked(GrantError):
    """A prerequisite of payment is missing: account, NPHD, confirmation."""


class ProgramError(GrantError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def message_invalid_transition(from_status: str, to_status: str) -> str:
    return _("Bantuan berstatus %(from)s tidak dapat diubah menjadi %(to)s.") % {
        "from": Status(from_status).label,
        "to": Status(to_status).label,
    }


MSG_STALE = gettext_noop(
    "Status bantuan sudah diubah oleh pengguna lain. Muat ulang halaman dan periksa kembali."
)
MSG_NO_PERMISSION = gettext_noop("Peran Anda tidak berwenang melakukan tindakan ini.")

# Separation of duties.
MSG_OWN_PROPOSAL = gettext_noop(
    "Anda yang mengusulkan bantuan ini, jadi tidak boleh memverifikasi atau menyetujuinya."
)
MSG_OWN_CHANGE = gettext_noop(
    "Anda yang terakhir mengubah nilai atau peruntukan bantuan ini, jadi tidak boleh "
    "memverifikasi atau menyetujuinya."
)
MSG_OWN_VERIFICATION = gettext_noop(
    "Anda yang memverifikasi bantuan ini, jadi tidak boleh menyetujuinya."
)
MSG_OWN_APPROVAL = gettext_noop(
    "Anda yang menyetujui bantuan ini, jadi tidak boleh mencatat penyalurannya."
)
MSG_OWN_BANK_CHANGE = gettext_noop(
    "Anda yang mengubah rekening lembaga ini, jadi tidak boleh mengonfirmasinya."
)
MSG_OWN_LPJ = gettext_noop("Anda yang mencatat LPJ ini, jadi tidak boleh memeriksanya.")

# Proposals and verification.
MSG_KIND_NOT_ELIGIBLE = gettext_noop(
    "Program ini tidak mencakup lembaga berjenis %(kind)s."
)
MSG_INACTIVE = gettext_noop("Lembaga ini tidak aktif.")
MSG_ALREADY_IN_PROGRAM = gettext_noop(
    "Lembaga ini sudah tercatat dalam program tersebut."
)
MSG_PERMIT_INVALID = gettext_noop(
    "Izin operasional LKSA tidak ada atau sudah habis masa berlakunya."
)
MSG_ACCREDITATION_INVALID = gettext_noop(
    "Akreditasi LKSA tidak ada atau sudah habis masa berlakunya."
)
MSG_PROGRAM_CLOSED = gettext_noop(
    "Program ini sudah ditutup dan tidak menerima usulan baru."
)
MSG_PROGRAM_YEAR = gettext_noop(
    "Usulan hanya dapat dimasukkan ke program tahun %(this)s atau %(next)s; "
    "program ini untuk tahun %(year)s."
)
MSG_AMOUNT_POSITIVE = gettext_noop("Nilai bantuan harus lebih dari nol.")
MSG_REASON_REQUIRED = gettext_noop("Alasan wajib diisi.")
MSG_CHECKLIST_INCOMPLETE = gettext_noop(
    "Semua dokumen dalam daftar periksa harus dinyatakan lengkap sebelum verifikasi."
)
MSG_VERIFY_NEEDS_BANK = gettext_noop(
    "Rekening lembaga belum lengkap (bank, nomor rekening, nama rekening); "
    "lengkapi data lembaga sebelum verifikasi."
)
MSG_VERIFY_NEEDS_REGISTRATION = gettext_noop(
    "Nomor register lembaga belum dicatat; lengkapi data lembaga sebelum verifikasi."
)
MSG_VERIFY_NEEDS_NPWP = gettext_noop(
    "NPWP lembaga belum dicatat; penerima hibah wajib memiliki NPWP."
)
MSG_REVISION_AFTER_PAYMENT = gettext_noop(
    "Bantuan yang sudah mulai disalurkan tidak dapat direvisi."
)
MSG_REVISION_CHANGES_NOTHING = gettext_noop(
    "Revisi harus mengubah nilai atau peruntukan bantuan."
)

# Approval.
MSG_DECREE_REQUIRED = gettext_noop("Nomor dan tanggal SK penetapan wajib diisi.")
MSG_DECREE_BEFORE_YEAR = gettext_noop(
    "Tanggal SK penetapan (%(date)s) harus dalam tahun program (%(year)s) atau sesudahnya."
)
MSG_CEILING = gettext_noop(
    "Persetujuan ini melampaui pagu program: sisa pagu %(room)s, nilai bantuan %(amount)s."
)

# Payment.
MSG_NO_BANK_ACCOUNT = gettext_noop(
    "Rekening tujuan belum lengkap: nomor rekening dan nama rekening yang diverifikasi "
    "wajib ada sebelum penyaluran."
)
MSG_BANK_CHANGED = gettext_noop(
    "Rekening lembaga berubah setelah diverifikasi; penyaluran ditahan sampai "
    "Verifikator mengonfirmasi rekening baru."
)
MSG_BANK_NOT_CHANGED = gettext_noop(
    "Rekening lembaga sama dengan yang sudah diverifikasi; tidak ada yang perlu dikonfirmasi."
)
MSG_NPHD_REQUIRED = gettext_noop(
    "Nomor dan tanggal NPHD wajib dicatat sebelum hibah disalurkan."
)
MSG_NPHD_ONLY_HIBAH = gettext_noop("NPHD hanya dicatat untuk program hibah.")
MSG_NPHD_BEFORE_DECREE = gettext_noop(
    "Tanggal NPHD (%(date)s) tidak boleh sebelum tanggal SK penetapan (%(decree)s)."
)
MSG_NPHD_AFTER_PAYMENT = gettext_noop(
    "NPHD tidak dapat diubah setelah penyaluran dimulai."
)
MSG_PAID_BEFORE_DECREE = gettext_noop(
    "Tanggal salur (%(date)s) tidak boleh sebelum tanggal SK penetapan (%(decree)s)."
)
MSG_PAID_IN_FUTURE = gettext_noop("Tanggal salur tidak boleh setelah hari ini.")
MSG_OVER_DISBURSED = gettext_noop(
    "Penyaluran melebihi nilai bantuan: sisa yang dapat disalurkan %(room)s."
)
MSG_DISBURSEMENT_POSITIVE = gettext_noop("Jumlah penyaluran harus lebih dari nol.")
MSG_DUPLICATE_TRANSFER = gettext_noop("Nomor bukti transfer ini sudah tercatat.")
MSG_REFUND_REFERENCE_REQUIRED = gettext_noop("Nomor bukti setor wajib diisi.")

# LPJ.
MSG_LPJ_INCOMPLETE = gettext_noop(
    "LPJ harus mempertanggungjawabkan seluruh dana: dana terpakai ditambah sisa dana "
    "harus sama dengan nilai bantuan (%(amount)s)."
)
MSG_LPJ_EXISTS = gettext_noop("LPJ bantuan ini sudah tercatat.")
MSG_LPJ_NOT_DUE = gettext_noop("LPJ hanya dicatat untuk bantuan yang sudah disalurkan.")
MSG_LPJ_EXCEEDS = gettext_noop("Dana terpakai dan sisa dana melebihi nilai bantuan.")
MSG_LPJ_NOT_PENDING = gettext_noop("LPJ ini sudah diperiksa.")
MSG_LPJ_RETURNED = gettext_noop(
    "LPJ ini sudah dikembalikan untuk perbaikan; periksa setelah perbaikannya dicatat."
)
MSG_LPJ_STALE = gettext_noop(
    "LPJ ini sudah diubah oleh pengguna lain. Muat ulang halaman dan periksa kembali."
)
MSG_LPJ_NOT_ACCEPTED = gettext_noop("LPJ bantuan ini belum diterima.")
MSG_REFUND_NOT_RECORDED = gettext_noop("Setoran sisa dana belum dicatat.")

# Programmes.
MSG_CEILING_BELOW_COMMITTED = gettext_noop(
    "Pagu %(ceiling)s lebih kecil dari bantuan yang sudah disetujui dan disalurkan "
    "dalam program ini (%(committed)s)."
)
MSG_PROGRAM_SCOPE = gettext_noop(
    "Program berlaku untuk seluruh provinsi; hanya pengguna tanpa batasan wilayah "
    "yang dapat membuat atau mengubahnya."
)
MSG_PROGRAM_YEAR_LOCKED = gettext_noop(
    "Tahun program yang sudah memiliki usulan tidak dapat diubah."
)
MSG_PROGRAM_ALREADY_CLOSED = gettext_noop("Program ini sudah ditutup.")
MSG_PROGRAM_NOT_CLOSED = gettext_noop("Program ini masih dibuka.")

# Historical grants.
MSG_HISTORICAL_NOT_ALLOWED = gettext_noop(
    "Bantuan lama yang sudah disalurkan hanya dapat diimpor oleh pengguna dengan izin "
    "impor data historis dari administrator."
)
MSG_HISTORICAL_PAST_ONLY = gettext_noop(
    "Bantuan lama hanya untuk tahun sebelum %(year)s; bantuan tahun berjalan melalui "
    "usulan, verifikasi, persetujuan dan penyaluran."
)
MSG_HISTORICAL_NEEDS_DECREE = gettext_noop(
    "Bantuan lama harus mencantumkan nomor SK penetapan."
)

WARN_AIDED_LAST_YEAR = gettext_noop(
    "Lembaga ini menerima bantuan pada tahun %(year)s; bantuan sebaiknya tidak diberikan setiap tahun."
)
WARN_LPJ_OVERDUE = gettext_noop("Lembaga ini memiliki LPJ yang terlambat.")

# Blockers: problems a Pimpinan may override for one programme, with a reason.
MSG_DOCUMENT_MISSING = gettext_noop("Dokumen %(kind)s belum ada.")
MSG_DOCUMENT_EXPIRED = gettext_noop("Dokumen %(kind)s kedaluwarsa sejak %(date)s.")
MSG_LPJ_OVERDUE = gettext_noop("Lembaga ini memiliki LPJ yang terlambat.")
MSG_NEEDS_OVERRIDE = gettext_noop(
    "Lembaga ini hanya dapat diusulkan dalam program ini dengan pengecualian dari "
    "Pimpinan."
)
MSG_OVERRIDE_REASON_REQUIRED = gettext_noop("Alasan pengecualian wajib diisi.")
MSG_OVERRIDE_NOTHING = gettext_noop(
    "Lembaga ini tidak memiliki kendala yang perlu dikecualikan dalam program ini."
)
MSG_OVERRIDE_EXISTS = gettext_noop(
    "Lembaga ini sudah mendapat pengecualian dalam program ini."
)
MSG_OVERRIDE_NOTE = gettext_noop(
    "Diusulkan dengan pengecualian dari %(by)s: %(reason)s (dikecualikan: %(problems)s)"
)


def checked_scan(upload: File) -> FileType:
    """The scan's real type, checked as a form checks it (for callers without
    one: a command, the demo); GrantError with the same message otherwise."""
    try:
        return validate_upload(upload)
    except ValidationError as error:
        raise GrantError(" ".join(error.messages)) from error
