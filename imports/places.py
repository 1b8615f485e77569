"""Find a village from what a list says: its Kemendagri code, or its name within
a district and regency spelled as people spell them (`Kab. Boalemo`, `BOALEMO`).

A name that fits several places is read from the rest of the row: lists from the
regencies write a bare `GORONTALO`, which is Kabupaten Gorontalo or Kota
Gorontalo, and the district or village of the row tells which. The place found
carries a warning naming that choice; a row that still fits several is refused
with the candidates.

The province's regions are small (6 regencies, 77 districts, 729 villages) and
read once; each distinct spelling is resolved once per import.
"""

import difflib
import re
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.text import normalize_name
from institutions.models import District, Regency, Village

MSG_UNKNOWN_CODE = gettext_noop("Kode desa %(code)s tidak ada dalam daftar Kemendagri.")
MSG_UNKNOWN = gettext_noop("%(level)s “%(name)s” tidak ditemukan.")
MSG_SUGGEST = gettext_noop(" Mungkin maksud Anda: %(names)s?")
MSG_NOT_IN = gettext_noop("%(level)s “%(name)s” tidak berada di %(parent)s.")
MSG_CODE_MISMATCH = gettext_noop(
    "Kode desa %(code)s adalah %(village)s, %(district)s, bukan %(given)s."
)
MSG_NEED_DISTRICT = gettext_noop("Isi kecamatan agar desa dapat ditemukan.")
MSG_NEED_VILLAGE = gettext_noop("Isi kode desa, atau nama desa dan kecamatannya.")
MSG_OUT_OF_SCOPE = gettext_noop(
    "%(regency)s berada di luar wilayah kerja Anda; baris ini tidak dapat diimpor."
)
# A regency or district name that fits several, read from the rest of the row.
MSG_REGENCY_READ_AS = gettext_noop(
    "“%(name)s” dibaca sebagai %(choice)s, karena %(reason)s hanya ada di sana."
)
MSG_DISTRICT_READ_AS = gettext_noop(
    "Kecamatan “%(name)s” dibaca sebagai Kecamatan %(district)s di "
    "%(regency)s, karena %(reason)s hanya ada di sana."
)
MSG_REGENCY_EITHER = gettext_noop(
    "“%(name)s” dapat berarti %(options)s; isi kecamatan atau desa, atau "
    "tulis %(full)s."
)
MSG_DISTRICT_EITHER = gettext_noop(
    "Kecamatan “%(name)s” dapat berarti %(options)s; isi kabupaten/kota."
)
MSG_REGENCY_NOT_THERE = gettext_noop(
    "“%(name)s” dapat berarti %(options)s, tetapi %(below)s tidak ditemukan di sana."
)
MSG_DISTRICT_NOT_THERE = gettext_noop(
    "Kecamatan “%(name)s” dapat berarti %(options)s, tetapi %(below)s "
    "tidak ditemukan di sana."
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
    # How an ambiguous name of the row was read, as (column, value, message)
    # for the import's warnings: `GORONTALO` taken as Kabupaten Gorontalo.
    warnings: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)


def _strip(pattern: re.Pattern, text: str) -> str:
    key = normalize_name(text)
    return pattern.sub("", key, count=1) or key


def _suggest(key: str, names: dict[str, str]) -> str:
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
    if not close:
        return ""
    return _(MSG_SUGGEST) % {"names": ", ".join(names[k] for k in close)}


def _either(names) -> str:
    return _(" atau ").join(names)


def _quoted(text: str) -> str:
    return f"“{text}”"


class PlaceIndex:
    """The province's villages, findable by code or by names."""

    def __init__(self, *, scope: frozenset[str] | None = None):
        self.scope = scope
        self.regencies = {r.code: r for r in Regency.objects.all()}
        self.districts = {d.code: d for d in District.objects.all()}
        self.villages: dict[str, Place] = {}
        self._village_kinds: dict[str, str] = {}
        self._regency_keys: dict[str, list[Regency]] = {}
        self._district_keys: dict[str, list[District]] = {}
        self._village_keys: dict[tuple[str, str], str] = {}
        self._village_names: set[str] = set()
        for regency in self.regencies.values():
            base = _strip(_REGENCY_PREFIX, regency.name)
            for key in {base, normalize_name(regency.name)}:
                self._regency_keys.setdefault(key, []).append(regency)
        for district in self.districts.values():
            key = _strip(_DISTRICT_PREFIX, district.name)
            self._district_keys.setdefault(key, []).append(district)
        for code, name, kind, district_code in Village.objects.values_list(
            "code", "name", "kind", "district_id"
        ):
            district = self.districts[district_code]
            regency = self.regencies[district.regency_id]
            self.villages[code] = Place(
                code, name, district.code, district.name, regency.code, regency.name
            )
            self._village_kinds[code] = kind
            key = _strip(_VILLAGE_PREFIX, name)
            self._village_keys[(district_code, key)] = code
            self._village_names.add(key)
        self._memo: dict[tuple, Place | PlaceError] = {}

    def find(self, code: str, village: str, district: str, regency: str) -> Place:
        """The place a row names, or `PlaceError` with suggestions.

        An ambiguous regency or district name read from the rest of the row is
        named in the place's `warnings`."""
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
        regencies = self._regencies(regency) if regency else None
        if district:
            districts = self._districts(district, regencies, regency)
        elif regencies is None:
            raise PlaceError("kecamatan", _(MSG_NEED_DISTRICT))
        else:
            # The village alone, within the regency (or the regencies it may be).
            inside = {r.code for r in regencies}
            districts = [d for d in self.districts.values() if d.regency_id in inside]
        key = _strip(_VILLAGE_PREFIX, village)
        codes = [
            self._village_keys[(d.code, key)]
            for d in districts
            if (d.code, key) in self._village_keys
        ]
        warnings: list[tuple[str, str, str]] = []
        if regencies is not None and len(regencies) > 1:
            chosen, message = self._choose_regency(
                regency, regencies, bool(district), districts, codes, village
            )
            warnings.append(("kabupaten", regency, message))
            districts = [d for d in districts if d.regency_id == chosen.code]
            codes = [c for c in codes if self.villages[c].regency_code == chosen.code]
            regencies = [chosen]
        if len(codes) == 1:
            code = codes[0]
            if district and len(districts) > 1:
                warnings.append(
                    ("kecamatan", district, self._district_read_as(district, code))
                )
        elif len(districts) == 1:
            raise self._not_in_district(village, districts[0])
        elif codes and district:
            raise self._district_either(district, codes)
        elif codes:
            raise PlaceError("kecamatan", _(MSG_NEED_DISTRICT))
        elif key not in self._village_names:
            raise self._unknown_village(village, districts)
        elif district:
            raise PlaceError(
                "kecamatan",
                _(MSG_DISTRICT_NOT_THERE)
                % {
                    "name": district,
                    "options": self._district_options(districts),
                    "below": f"{_(LEVEL_VILLAGE)} {_quoted(village)}",
                },
            )
        else:
            raise self._not_in_regency(village, regencies[0], districts)
        place = self._in_scope(self.villages[code])
        if warnings:
            place = replace(place, warnings=tuple(warnings))
        return place

    def _regencies(self, text: str) -> list[Regency]:
        """The regencies a regency cell may mean: one, or several to be told
        apart by the rest of the row."""
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
        if matches:
            return sorted(matches, key=lambda r: r.code)
        names = {normalize_name(r.name): r.name for r in self.regencies.values()}
        names |= {
            _strip(_REGENCY_PREFIX, r.name): r.name for r in self.regencies.values()
        }
        raise PlaceError(
            "kabupaten",
            _(MSG_UNKNOWN) % {"level": _(LEVEL_REGENCY), "name": text}
            + _suggest(key, names),
        )

    def _districts(
        self, text: str, regencies: list[Regency] | None, regency_text: str
    ) -> list[District]:
        """The districts a district cell may mean within the regencies."""
        key = _strip(_DISTRICT_PREFIX, text)
        matches = self._district_keys.get(key, [])
        if regencies is not None:
            inside = [d for d in matches if d.regency_id in {r.code for r in regencies}]
            if not inside and matches and len(regencies) == 1:
                raise PlaceError(
                    "kecamatan",
                    _(MSG_NOT_IN)
                    % {
                        "level": _(LEVEL_DISTRICT),
                        "name": text,
                        "parent": regencies[0].name,
                    },
                )
            if not inside and matches:
                raise PlaceError(
                    "kabupaten",
                    _(MSG_REGENCY_NOT_THERE)
                    % {
                        "name": regency_text,
                        "options": _either(r.name for r in regencies),
                        "below": f"{_(LEVEL_DISTRICT)} {_quoted(text)}",
                    },
                )
            matches = inside
        if matches:
            return sorted(matches, key=lambda d: d.code)
        candidates = [
            d
            for d in self.districts.values()
            if regencies is None or d.regency_id in {r.code for r in regencies}
        ]
        names = {_strip(_DISTRICT_PREFIX, d.name): d.name for d in candidates}
        raise PlaceError(
            "kecamatan",
            _(MSG_UNKNOWN) % {"level": _(LEVEL_DISTRICT), "name": text}
            + _suggest(key, names),
        )

    def _choose_regency(
        self,
        text: str,
        regencies: list[Regency],
        district_given: bool,
        districts: list[District],
        codes: list[str],
        village: str,
    ) -> tuple[Regency, str]:
        """The one of `regencies` the row's district, or else its village, is
        in, with the warning naming it; or `PlaceError` listing those left."""
        by_district = {d.regency_id for d in districts}
        if district_given and len(by_district) == 1:
            chosen = self.regencies[by_district.pop()]
            reason = f"{_(LEVEL_DISTRICT)} {districts[0].name}"
        else:
            by_village = sorted({self.villages[c].regency_code for c in codes})
            if len(by_village) != 1:
                raise self._regency_either(text, regencies, by_village, village)
            chosen = self.regencies[by_village[0]]
            reason = self._village_title(codes[0])
        message = _(MSG_REGENCY_READ_AS) % {
            "name": text,
            "choice": chosen.name,
            "reason": reason,
        }
        return chosen, message

    def _regency_either(
        self, text: str, regencies: list[Regency], left: list[str], village: str
    ) -> PlaceError:
        if left:
            options = [self.regencies[code] for code in left]
            return PlaceError(
                "kabupaten",
                _(MSG_REGENCY_EITHER)
                % {
                    "name": text,
                    "options": _either(r.name for r in options),
                    "full": _either(_quoted(r.name) for r in options),
                },
            )
        key = _strip(_VILLAGE_PREFIX, village)
        if key not in self._village_names:
            inside = {r.code for r in regencies}
            return self._unknown_village(
                village,
                [d for d in self.districts.values() if d.regency_id in inside],
            )
        return PlaceError(
            "kabupaten",
            _(MSG_REGENCY_NOT_THERE)
            % {
                "name": text,
                "options": _either(r.name for r in regencies),
                "below": f"{_(LEVEL_VILLAGE)} {_quoted(village)}",
            },
        )

    def _district_read_as(self, text: str, code: str) -> str:
        place = self.villages[code]
        return _(MSG_DISTRICT_READ_AS) % {
            "name": text,
            "district": place.district_name,
            "regency": place.regency_name,
            "reason": self._village_title(code),
        }

    def _district_options(self, districts: list[District]) -> str:
        return _either(
            f"{d.name} ({self.regencies[d.regency_id].name})" for d in districts
        )

    def _district_either(self, text: str, codes: list[str]) -> PlaceError:
        districts = sorted(
            {self.districts[self.villages[c].district_code] for c in codes},
            key=lambda d: d.code,
        )
        return PlaceError(
            "kecamatan",
            _(MSG_DISTRICT_EITHER)
            % {"name": text, "options": self._district_options(districts)},
        )

    def _village_title(self, code: str) -> str:
        """`Desa Bulila`, `Kelurahan Tomulabutao`."""
        kind = Village.Kind(self._village_kinds[code]).label
        return f"{kind} {self.villages[code].village_name}"

    def _village_names_in(self, districts: list[District]) -> dict[str, str]:
        inside = {d.code for d in districts}
        return {
            _strip(_VILLAGE_PREFIX, p.village_name): p.village_name
            for p in self.villages.values()
            if p.district_code in inside
        }

    def _not_in_district(self, village: str, district: District) -> PlaceError:
        return PlaceError(
            "desa",
            _(MSG_NOT_IN)
            % {
                "level": _(LEVEL_VILLAGE),
                "name": village,
                "parent": f"{_(LEVEL_DISTRICT)} {district.name}",
            }
            + _suggest(
                _strip(_VILLAGE_PREFIX, village), self._village_names_in([district])
            ),
        )

    def _not_in_regency(
        self, village: str, regency: Regency, districts: list[District]
    ) -> PlaceError:
        return PlaceError(
            "desa",
            _(MSG_NOT_IN)
            % {"level": _(LEVEL_VILLAGE), "name": village, "parent": regency.name}
            + _suggest(
                _strip(_VILLAGE_PREFIX, village), self._village_names_in(districts)
            ),
        )

    def _unknown_village(self, village: str, districts: list[District]) -> PlaceError:
        return PlaceError(
            "desa",
            _(MSG_UNKNOWN) % {"level": _(LEVEL_VILLAGE), "name": village}
            + _suggest(
                _strip(_VILLAGE_PREFIX, village), self._village_names_in(districts)
            ),
        )

    def _in_scope(self, place: Place) -> Place:
        if self.scope is not None and place.regency_code not in self.scope:
            raise PlaceError(
                "kabupaten", _(MSG_OUT_OF_SCOPE) % {"regency": place.regency_name}
            )
        return place
