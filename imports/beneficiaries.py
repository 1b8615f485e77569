"""Plan the import of the people one institution serves in one year.

A person is known by NIK, checked with lokal-id (length, province, birth date,
serial). The same NIK twice in a file is an error; a NIK already served by
another institution that year is reported as a warning, for the verifier.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.text import normalize_name
from institutions.models import Beneficiary, BeneficiaryEnrollment, Institution

from .lists import BENEFICIARIES
from .places import PlaceError, PlaceIndex
from .planning import NEW, UNCHANGED, UPDATED, Planner

MSG_NIK_TWICE = gettext_noop("NIK ini sudah ada di baris %(row)s.")
MSG_OTHER_YEAR = gettext_noop(
    "Tahun di baris ini (%(row_year)s) bukan tahun impor (%(year)s)."
)
MSG_OTHER_INSTITUTION = gettext_noop(
    "Baris ini untuk lembaga lain (%(given)s), bukan %(institution)s."
)
WARN_OTHER_INSTITUTION = gettext_noop(
    "NIK ini juga tercatat sebagai penerima manfaat %(institution)s pada tahun %(year)s."
)
WARN_OTHER_INSTITUTION_ANY = gettext_noop(
    "NIK juga tercatat sebagai penerima manfaat lembaga lain pada tahun yang sama."
)
WARN_NAME_CHANGES = gettext_noop(
    "NIK ini tercatat atas nama %(name)s; data akan diganti dengan isi berkas."
)
EFFECT_PEOPLE = gettext_noop(
    "Penerima manfaat baru: %(new)s; diperbarui: %(updated)s; "
    "didaftarkan ke %(institution)s tahun %(year)s: %(enrolled)s."
)
CHANGE_LINE = gettext_noop("%(nik)s: %(fields)s diperbarui")


@dataclass(slots=True)
class Person:
    row: int
    index: int
    nik: str
    name: str
    category: str
    village: str


class BeneficiaryPlanner(Planner):
    columns = BENEFICIARIES
    cached_columns = frozenset(
        {
            "kategori",
            "kode_desa",
            "desa",
            "kecamatan",
            "kabupaten",
            "tahun",
            "nama_lembaga",
            "nomor_register",
        }
    )

    def __init__(self, *, institution: Institution, year: int, scope=None):
        super().__init__()
        self.institution = institution
        self.year = year
        self.scope = scope

    def prepare(self) -> None:
        self.places = PlaceIndex(scope=self.scope)
        self.people: dict[str, Person] = {}
        self.new_people: list[Person] = []
        self.person_updates: list[tuple[int, dict]] = []
        self.new_enrollments: list[tuple[str, int | None]] = []

    def check_row(self, number: int, values: dict, errors: list) -> int:
        bad = {column for column, _value, _message in errors}
        place = None
        if not bad & {"kode_desa", "desa", "kecamatan", "kabupaten"}:
            try:
                place = self.places.find(
                    values.get("kode_desa", ""),
                    values.get("desa", ""),
                    values.get("kecamatan", ""),
                    values.get("kabupaten", ""),
                )
            except PlaceError as error:
                errors.append(
                    (error.column, values.get(error.column, ""), error.message)
                )
        row_year = values.get("tahun")
        if row_year is not None and row_year != self.year:
            errors.append(
                (
                    "tahun",
                    row_year,
                    _(MSG_OTHER_YEAR) % {"row_year": row_year, "year": self.year},
                )
            )
        self._check_institution(values, errors)
        nik = values.get("nik")
        if nik is not None:
            first = self.people.get(nik)
            if first is not None:
                errors.append(("nik", nik, _(MSG_NIK_TWICE) % {"row": first.row}))
        if errors:
            return self.reject(number, errors)
        for column, value, message in place.warnings:
            self.report.warn(number, column, value, message)
        self.people[nik] = Person(
            number,
            len(self.states),
            nik,
            values["nama"],
            values["kategori"],
            place.village_code,
        )
        return NEW

    def _check_institution(self, values: dict, errors: list) -> None:
        institution = self.institution
        name = values.get("nama_lembaga", "")
        registration = values.get("nomor_register", "")
        if registration and institution.registration_number:
            if registration != institution.registration_number:
                errors.append(
                    (
                        "nomor_register",
                        registration,
                        _(MSG_OTHER_INSTITUTION)
                        % {"given": registration, "institution": institution.name},
                    )
                )
        elif name and normalize_name(name) != institution.name_key:
            errors.append(
                (
                    "nama_lembaga",
                    name,
                    _(MSG_OTHER_INSTITUTION)
                    % {"given": name, "institution": institution.name},
                )
            )

    def conclude(self) -> None:
        niks = list(self.people)
        known: dict[str, tuple] = {}
        for start in range(0, len(niks), 2000):
            for row in Beneficiary.objects.filter(
                nik__in=niks[start : start + 2000]
            ).values_list("nik", "pk", "name", "category", "village_id"):
                known[row[0]] = row[1:]
        enrolled_here: set[int] = set()
        elsewhere: dict[int, list[str]] = {}
        pks = [row[0] for row in known.values()]
        for start in range(0, len(pks), 2000):
            for person_pk, institution_pk, name in BeneficiaryEnrollment.objects.filter(
                beneficiary_id__in=pks[start : start + 2000], year=self.year
            ).values_list("beneficiary_id", "institution_id", "institution__name"):
                if institution_pk == self.institution.pk:
                    enrolled_here.add(person_pk)
                else:
                    elsewhere.setdefault(person_pk, []).append(name)
        states = self.states
        for person in self.people.values():
            current = known.get(person.nik)
            if current is None:
                self.new_people.append(person)
                self.new_enrollments.append((person.nik, None))
                continue
            pk, name, category, village = current
            changed = {
                field: value
                for field, value, old in (
                    ("name", person.name, name),
                    ("category", person.category, category),
                    ("village_id", person.village, village),
                )
                if value != old
            }
            if changed:
                self.person_updates.append((pk, changed))
                self.report.change(
                    _(CHANGE_LINE) % {"nik": person.nik, "fields": ", ".join(changed)}
                )
                if "name" in changed:
                    self.report.warn(
                        person.row,
                        "nama",
                        person.name,
                        _(WARN_NAME_CHANGES) % {"name": name},
                    )
            for other in elsewhere.get(pk, ()):
                self.report.warn(
                    person.row,
                    "nik",
                    person.nik,
                    _(WARN_OTHER_INSTITUTION)
                    % {"institution": other, "year": self.year},
                    kind=_(WARN_OTHER_INSTITUTION_ANY),
                )
            if pk in enrolled_here:
                states[person.index] = UPDATED if changed else UNCHANGED
            else:
                self.new_enrollments.append((person.nik, pk))
        self.report.effects.append(
            _(EFFECT_PEOPLE)
            % {
                "new": len(self.new_people),
                "updated": len(self.person_updates),
                "institution": self.institution.name,
                "year": self.year,
                "enrolled": len(self.new_enrollments),
            }
        )
