"""Find a village from what a list says: its Kemendagri code, or its name within
a district and regency spelled as people spell them (`Kab. Boalemo`, `BOALEMO`).

The province's regions are small (6 regencies, 77 districts, 729 villages) and
read once; each distinct spelling is resolved once per import.
"""

import difflib
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.text import normalize_name
from institutions.models import District, Regency, Village

MSG_UNKNOWN_CODE = gettext_noop("Kode desa %(code)s tidak ada dalam daftar Kemendagri.")
MSG_UNKNOWN = gettext_noop("%(level)s \u201c%(name)s\u201d tidak ditemukan.")
MSG_AMBIGUOUS = gettext_noop(
    "%(level)s \u201c%(name)s\u201d tidak jelas: bisa %(options)s. Tulis lebih lengkap."
)
MSG_SUGGEST = gettext_noop(" Mungkin maksud Anda: %(names)s?")
MSG_NOT_IN = gettext_noop("%(level)s \u201c%(name)s\u201d tidak berada di %(parent)s.")
MSG_CODE_MISMATCH = gettext_noop(
    "Kode desa %(code)s adalah %(village)s, %(district)s, bukan %(given)s."
)
MSG_NEED_DISTRICT = gettext_noop("Isi kecamatan agar desa dapat ditemukan.")
MSG_NEED_VILLAGE = gettext_noop("Isi kode desa, atau nama desa dan kecamatannya.")
MSG_OUT_OF_SCOPE = gettext_noop(
    "%(regency)s berada di luar wilayah kerja Anda; baris ini tidak dapat diimpor."
)

LEVEL_REGENCY = gettext_noop("Kabupaten/kota")
LEVEL_DISTRICT = gettext_noop("Kecamatan")
LEVEL_VILLAGE = gettext_noop("Desa/kelurahan")

_REGENCY_PREFIX = re.compile(r"^(kabupaten|kab|kota|kot)\s+")
_DISTRICT_PREFIX = re.compile(r"^(kecamatan|kec)\s+")
_VILLAGE_PREFIX = re.compile(r"^(desa|kelurahan|kel|ds)\s+")


class PlaceError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class Place:
    village_code: str
    village_name: str
    district_code: str
    district_name: str
    regency_code: str
    regency_name: str


def _strip(pattern: re.Pattern, text: str) -> str:
    key = normalize_name(text)
    return pattern.sub("", key, count=1) or key


def _suggest(key: str, names: dict[str, str]) -> str:
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
    if not close:
        return ""
    return _(MSG_SUGGEST) % {"names": ", ".join(names[k] for k in close)}


class PlaceIndex:
    """The province's villages, findable by code or by names."""

    def __init__(self, *, scope: frozenset[str] | None = None):
        self.scope = scope
        self.regencies = {r.code: r for r in Regency.objects.all()}
        self.districts = {d.code: d for d in District.objects.all()}
        self.villages: dict[str, Place] = {}
        self._regency_keys: dict[str, list[Regency]] = {}
        self._district_keys: dict[str, list[District]] = {}
        self._village_keys: dict[tuple[str, str], str] = {}
        for regency in self.regencies.values():
            base = _strip(_REGENCY_PREFIX, regency.name)
            for key in {base, normalize_name(regency.name)}:
                self._regency_keys.setdefault(key, []).append(regency)
        for district in self.districts.values():
            key = _strip(_DISTRICT_PREFIX, district.name)
            self._district_keys.setdefault(key, []).append(district)
        for code, name, district_code in Village.objects.values_list(
            "code", "name", "district_id"
        ):
            district = self.districts[district_code]
            regency = self.regencies[district.regency_id]
            self.villages[code] = Place(
                code, name, district.code, district.name, regency.code, regency.name
            )
            self._village_keys[(district_code, _strip(_VILLAGE_PREFIX, name))] = code
        self._memo: dict[tuple, Place | PlaceError] = {}

    def find(self, code: str, village: str, district: str, regency: str) -> Place:
        """The place a row names, or `PlaceError` with suggestions."""
        memo_key = (code, village, district, regency)
        found = self._memo.get(memo_key)
        if found is None:
            try:
                found = self._find(code, village, district, regency)
            except PlaceError as error:
                found = error
            self._memo[memo_key] = found
        if isinstance(found, PlaceError):
            raise found
        return found

    def _find(self, code: str, village: str, district: str, regency: str) -> Place:
        if code:
            place = self.villages.get(code)
            if place is None:
                raise PlaceError("kode_desa", _(MSG_UNKNOWN_CODE) % {"code": code})
            if village and _strip(_VILLAGE_PREFIX, village) != _strip(
                _VILLAGE_PREFIX, place.village_name
            ):
                raise PlaceError(
                    "desa",
                    _(MSG_CODE_MISMATCH)
                    % {
                        "code": code,
                        "village": place.village_name,
                        "district": place.district_name,
                        "given": village,
                    },
                )
            return self._in_scope(place)
        if not village:
            raise PlaceError("desa", _(MSG_NEED_VILLAGE))
        if not district:
            raise PlaceError("kecamatan", _(MSG_NEED_DISTRICT))
        regency_obj = self._regency(regency) if regency else None
        district_obj = self._district(district, regency_obj)
        key = _strip(_VILLAGE_PREFIX, village)
        code = self._village_keys.get((district_obj.code, key))
        if code is None:
            names = {
                _strip(_VILLAGE_PREFIX, p.village_name): p.village_name
                for p in self.villages.values()
                if p.district_code == district_obj.code
            }
            raise PlaceError(
                "desa",
                _(MSG_NOT_IN)
                % {
                    "level": _(LEVEL_VILLAGE),
                    "name": village,
                    "parent": f"{_(LEVEL_DISTRICT)} {district_obj.name}",
                }
                + _suggest(key, names),
            )
        return self._in_scope(self.villages[code])

    def _regency(self, text: str) -> Regency:
        key = normalize_name(text)
        matches = self._regency_keys.get(key) or self._regency_keys.get(
            _strip(_REGENCY_PREFIX, text), []
        )
        if key.startswith(("kota ", "kot ")):
            matches = [r for r in matches if r.kind == Regency.Kind.KOTA] or matches
        elif key.startswith(("kabupaten ", "kab ")):
            matches = [
                r for r in matches if r.kind == Regency.Kind.KABUPATEN
            ] or matches
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise PlaceError(
                "kabupaten",
                _(MSG_AMBIGUOUS)
                % {
                    "level": _(LEVEL_REGENCY),
                    "name": text,
                    "options": _(" atau ").join(r.name for r in matches),
                },
            )
        names = {normalize_name(r.name): r.name for r in self.regencies.values()}
        names |= {
            _strip(_REGENCY_PREFIX, r.name): r.name for r in self.regencies.values()
        }
        raise PlaceError(
            "kabupaten",
            _(MSG_UNKNOWN) % {"level": _(LEVEL_REGENCY), "name": text}
            + _suggest(key, names),
        )

    def _district(self, text: str, regency: Regency | None) -> District:
        key = _strip(_DISTRICT_PREFIX, text)
        matches = self._district_keys.get(key, [])
        if regency is not None:
            inside = [d for d in matches if d.regency_id == regency.code]
            if not inside and matches:
                raise PlaceError(
                    "kecamatan",
                    _(MSG_NOT_IN)
                    % {
                        "level": _(LEVEL_DISTRICT),
                        "name": text,
                        "parent": regency.name,
                    },
                )
            matches = inside
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise PlaceError(
                "kecamatan",
                _(MSG_AMBIGUOUS)
                % {
                    "level": _(LEVEL_DISTRICT),
                    "name": text,
                    "options": _(" atau ").join(
                        f"{d.name} ({self.regencies[d.regency_id].name})"
                        for d in matches
                    ),
                },
            )
        candidates = [
            d
            for d in self.districts.values()
            if regency is None or d.regency_id == regency.code
        ]
        names = {_strip(_DISTRICT_PREFIX, d.name): d.name for d in candidates}
        raise PlaceError(
            "kecamatan",
            _(MSG_UNKNOWN) % {"level": _(LEVEL_DISTRICT), "name": text}
            + _suggest(key, names),
        )

    def _in_scope(self, place: Place) -> Place:
        if self.scope is not None and place.regency_code not in self.scope:
            raise PlaceError(
                "kabupaten", _(MSG_OUT_OF_SCOPE) % {"regency": place.regency_name}
            )
        return place
