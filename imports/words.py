"""The office's words for kinds, statuses and categories, in any spelling.

`Karang Taruna`, `KARANG TARUNA` and `KT` are one kind; `Majelis Taklim`
written where the kind belongs means a WKSBM of that type; `sudah disalurkan`
is a status. Each parser returns the stored value or raises `CellError`.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from grants.models import Grant
from institutions.models import Beneficiary, Institution

from .cells import MSG_REQUIRED, CellError, plain, word_key

MSG_KIND = gettext_noop(
    "Jenis lembaga tidak dikenal: tulis WKSBM, Karang Taruna atau LKSA "
    "(atau jenis WKSBM seperti Majelis Taklim)."
)
MSG_WKSBM_TYPE = gettext_noop(
    "Jenis WKSBM tidak dikenal: tulis Majelis Taklim, Takmirul Masjid, Rukun Duka, "
    "Paguyuban, Kelompok Arisan atau Lainnya."
)
MSG_STATUS = gettext_noop(
    "Status tidak dikenal: tulis diusulkan, atau disalurkan untuk data tahun lalu."
)
MSG_CATEGORY = gettext_noop(
    "Kategori tidak dikenal: tulis lansia, anak sekolah, disabilitas, anak LKSA atau lainnya."
)
MSG_ACCREDITATION = gettext_noop("Akreditasi ditulis A, B atau C.")


_WKSBM_TYPES = {
    "majelistaklim": Institution.WksbmType.MAJELIS_TAKLIM,
    "majlistaklim": Institution.WksbmType.MAJELIS_TAKLIM,
    "majelista": Institution.WksbmType.MAJELIS_TAKLIM,
    "mt": Institution.WksbmType.MAJELIS_TAKLIM,
    "takmirulmasjid": Institution.WksbmType.TAKMIRUL_MASJID,
    "takmirmasjid": Institution.WksbmType.TAKMIRUL_MASJID,
    "takmir": Institution.WksbmType.TAKMIRUL_MASJID,
    "remajamasjid": Institution.WksbmType.TAKMIRUL_MASJID,
    "rukunduka": Institution.WksbmType.RUKUN_DUKA,
    "paguyuban": Institution.WksbmType.PAGUYUBAN,
    "kelompokarisan": Institution.WksbmType.KELOMPOK_ARISAN,
    "arisan": Institution.WksbmType.KELOMPOK_ARISAN,
    "lainnya": Institution.WksbmType.OTHER,
    "lain": Institution.WksbmType.OTHER,
    "lainlain": Institution.WksbmType.OTHER,
}
for _value, _label in Institution.WksbmType.choices:
    _WKSBM_TYPES[word_key(_value)] = _value
    _WKSBM_TYPES[word_key(str(_label))] = _value

_KINDS = {
    "wksbm": Institution.Kind.WKSBM,
    "wahanakesejahteraansosialberbasismasyarakat": Institution.Kind.WKSBM,
    "karangtaruna": Institution.Kind.KARANG_TARUNA,
    "kt": Institution.Kind.KARANG_TARUNA,
    "kartar": Institution.Kind.KARANG_TARUNA,
    "lksa": Institution.Kind.LKSA,
    "lembagakesejahteraansosialanak": Institution.Kind.LKSA,
    "pantiasuhan": Institution.Kind.LKSA,
    "pantiasuhananak": Institution.Kind.LKSA,
}


def parse_kind(value) -> tuple[str, str]:
    """The institution kind, and the WKSBM type when the cell names one
    (lists often say `Majelis Taklim` where they mean WKSBM of that type)."""
    key = word_key(plain(value))
    if not key:
        raise CellError(_(MSG_REQUIRED))
    kind = _KINDS.get(key)
    if kind is not None:
        return kind, ""
    wksbm_type = _WKSBM_TYPES.get(key)
    if wksbm_type is not None and wksbm_type != Institution.WksbmType.OTHER:
        return Institution.Kind.WKSBM, wksbm_type
    raise CellError(_(MSG_KIND))


def parse_wksbm_type(value) -> str:
    key = word_key(plain(value))
    if not key:
        return ""
    wksbm_type = _WKSBM_TYPES.get(key)
    if wksbm_type is None:
        raise CellError(_(MSG_WKSBM_TYPE))
    return wksbm_type


_STATUSES = {
    "usulan": Grant.Status.PROPOSED,
    "diusulkan": Grant.Status.PROPOSED,
    "proposed": Grant.Status.PROPOSED,
    "disalurkan": Grant.Status.DISBURSED,
    "sudahdisalurkan": Grant.Status.DISBURSED,
    "salur": Grant.Status.DISBURSED,
    "tersalur": Grant.Status.DISBURSED,
    "cair": Grant.Status.DISBURSED,
    "dicairkan": Grant.Status.DISBURSED,
    "sudahcair": Grant.Status.DISBURSED,
    "disbursed": Grant.Status.DISBURSED,
}
for _value, _label in Grant.Status.choices:
    _STATUSES.setdefault(word_key(_value), _value)
    _STATUSES.setdefault(word_key(str(_label)), _value)


def parse_status(value) -> str:
    key = word_key(plain(value))
    if not key:
        return Grant.Status.PROPOSED
    status = _STATUSES.get(key)
    if status is None:
        raise CellError(_(MSG_STATUS))
    return status


def status_label(status: str) -> str:
    """How exports write a status: the lower-case Indonesian label."""
    return str(Grant.Status(status).label).lower()


def parse_accreditation(value) -> str:
    """`A`, `b`, `A (sangat baik)`, `Akreditasi B` -> the grade letter."""
    key = word_key(plain(value)).removeprefix("akreditasi")
    if not key:
        return ""
    grade = key[:1].upper()
    if grade not in Institution.Accreditation.values or (
        len(key) > 1 and word_key(str(Institution.Accreditation(grade).label)) != key
    ):
        raise CellError(_(MSG_ACCREDITATION))
    return grade


_CATEGORIES = {
    "lansia": Beneficiary.Category.ELDERLY,
    "lanjutusia": Beneficiary.Category.ELDERLY,
    "anaksekolah": Beneficiary.Category.POOR_STUDENT,
    "anaksekolahdarikeluargamiskin": Beneficiary.Category.POOR_STUDENT,
    "pelajar": Beneficiary.Category.POOR_STUDENT,
    "disabilitas": Beneficiary.Category.DISABILITY,
    "penyandangdisabilitas": Beneficiary.Category.DISABILITY,
    "difabel": Beneficiary.Category.DISABILITY,
    "anaklksa": Beneficiary.Category.LKSA_CHILD,
    "anakasuh": Beneficiary.Category.LKSA_CHILD,
    "anakasuhlksa": Beneficiary.Category.LKSA_CHILD,
    "lainnya": Beneficiary.Category.OTHER,
}
for _value, _label in Beneficiary.Category.choices:
    _CATEGORIES.setdefault(word_key(_value), _value)
    _CATEGORIES.setdefault(word_key(str(_label)), _value)


def parse_category(value) -> str:
    key = word_key(plain(value))
    if not key:
        raise CellError(_(MSG_REQUIRED))
    category = _CATEGORIES.get(key)
    if category is None:
        raise CellError(_(MSG_CATEGORY))
    return category


def category_label(category: str) -> str:
    return str(Beneficiary.Category(category).label)
