"""Find the institution a row means, or plan a new one.

An institution is found by its registration number, else by kind,
normalised name and village (the database's own uniqueness rules). Rows that
mean an institution not yet in the database share one planned record, so a
list with three years of the same group creates it once.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.text import normalize_name
from institutions.models import Institution

from .cells import account_matches
from .lists import INSTITUTION_FIELDS
from .places import Place
from .scratch import Planned, Scratch, stored_fields

MSG_REGISTRATION_OTHER = gettext_noop(
    "Nomor register %(number)s sudah dipakai %(name)s (%(kind)s, %(village)s)."
)
MSG_REGISTRATION_DIFFERS = gettext_noop(
    "Lembaga ini tercatat dengan nomor register %(number)s."
)
MSG_NAME_DIFFERS = gettext_noop(
    "Nama di berkas berbeda dengan nama tercatat untuk nomor register ini "
    "(%(name)s); nama tercatat tetap dipakai."
)
MSG_KARANG_TARUNA_TAKEN = gettext_noop(
    "Desa/kelurahan ini sudah memiliki Karang Taruna: %(name)s."
)
MSG_MASKED_ACCOUNT_NEW = gettext_noop(
    "Nomor rekening tersamar (%(mask)s) tidak dapat diimpor untuk lembaga baru; "
    "isi nomor lengkap atau kosongkan kolom ini."
)
MSG_MASKED_ACCOUNT_DIFFERS = gettext_noop(
    "Nomor rekening tersamar (%(mask)s) tidak cocok dengan nomor yang tercatat "
    "untuk lembaga ini; isi nomor lengkap atau kosongkan kolom ini."
)
MSG_ACCREDITATION_ONLY_LKSA = gettext_noop("Akreditasi hanya untuk LKSA.")
MSG_WKSBM_TYPE_ONLY_WKSBM = gettext_noop("Jenis WKSBM hanya untuk lembaga WKSBM.")
MSG_WKSBM_TYPE_CONFLICT = gettext_noop(
    "Jenis lembaga (%(kind)s) dan jenis WKSBM (%(type)s) tidak sesuai."
)

FIELD_LABELS = {
    "wksbm_type": gettext_noop("jenis WKSBM"),
    "address": gettext_noop("alamat"),
    "leader_name": gettext_noop("ketua"),
    "phone": gettext_noop("telepon"),
    "npwp": gettext_noop("NPWP"),
    "bank_name": gettext_noop("bank"),
    "account_number": gettext_noop("nomor rekening"),
    "account_holder": gettext_noop("nama rekening"),
    "registration_number": gettext_noop("nomor register"),
    "email": gettext_noop("surel"),
    "registration_date": gettext_noop("tanggal register"),
    "registration_issuer": gettext_noop("penerbit register"),
    "permit_number": gettext_noop("nomor izin operasional"),
    "permit_expires_on": gettext_noop("izin berlaku sampai"),
    "accreditation": gettext_noop("akreditasi"),
    "accreditation_expires_on": gettext_noop("akreditasi berlaku sampai"),
    "amount": gettext_noop("nilai bantuan"),
    "purpose": gettext_noop("peruntukan"),
    "name": gettext_noop("nama"),
    "category": gettext_noop("kategori"),
    "village_id": gettext_noop("desa/kelurahan"),
}
UPDATABLE = (*INSTITUTION_FIELDS.values(), "registration_number")


@dataclass(slots=True)
class Known:
    """An institution already in the database, as far as matching needs it."""

    pk: int
    kind: str
    name: str
    name_key: str
    village: str
    registration: str
    active: bool


class InstitutionIndex:
    """Institutions in the database (in memory: what matching needs of them)
    and the ones the plan creates (in the plan's `Scratch` file)."""

    def __init__(self, scratch: Scratch, columns=None):
        self.scratch = scratch
        # The detail columns this file has: the others are never looked up.
        self.detail_columns = tuple(
            (column, name)
            for column, name in INSTITUTION_FIELDS.items()
            if columns is None or column in columns
        )
        # The planned institution the last row was matched to by its key, and
        # its details as stored: a later row giving the same details changes
        # nothing, and nothing need be read back.
        self._stored: tuple[int, bytes] | None = None
        self.known: dict[int, Known] = {}
        self.by_registration: dict[str, int] = {}
        self.by_key: dict[tuple[str, str, str], int] = {}
        self.karang_taruna: dict[str, int] = {}
        for row in Institution.objects.values_list(
            "pk",
            "kind",
            "name",
            "name_key",
            "village_id",
            "registration_number",
            "active",
        ).order_by():
            known = Known(*row)
            self.known[known.pk] = known
            self._index(known.pk, known.kind, known.name_key, known.village)
            if known.registration:
                self.by_registration[known.registration] = known.pk
        # Stored account numbers by pk, read when a masked one first comes.
        self._accounts: dict[int, str] | None = None
        # Values rows give existing institutions: {pk: {field: (value, row)}}.
        self.wanted: dict[int, dict[str, tuple[str, int]]] = {}
        self.rows_of: dict[int, list[int]] = {}

    def _index(self, ref: int, kind: str, name_key: str, village: str) -> None:
        self.by_key[(kind, name_key, village)] = ref
        if kind == Institution.Kind.KARANG_TARUNA:
            self.karang_taruna.setdefault(village, ref)

    @property
    def planned_count(self) -> int:
        return self.scratch.institution_count

    def describe(self, ref: int) -> tuple[str, str, str]:
        record = self.record(ref)
        return record.name, str(Institution.Kind(record.kind).label), record.village

    def record(self, ref: int) -> Known | Planned:
        return self.known.get(ref) or self.scratch.institution(ref)

    def is_active(self, ref: int) -> bool:
        # A planned institution is created active: nothing to read back.
        return ref < 0 or self.known[ref].active

    def resolve(
        self, values: dict, place: Place, errors: list, warnings: list
    ) -> tuple[int | None, bool]:
        """The institution a row means (existing pk, or a negative planned ref)
        and whether it is new; problems go to `errors` and `warnings`."""
        kind, kind_type = values["jenis_lembaga"]
        wksbm_type = values.get("jenis_wksbm", "")
        if wksbm_type and kind != Institution.Kind.WKSBM:
            errors.append(("jenis_wksbm", wksbm_type, _(MSG_WKSBM_TYPE_ONLY_WKSBM)))
            return None, False
        if kind_type and wksbm_type and kind_type != wksbm_type:
            errors.append(
                (
                    "jenis_wksbm",
                    wksbm_type,
                    _(MSG_WKSBM_TYPE_CONFLICT)
                    % {
                        "kind": Institution.WksbmType(kind_type).label,
                        "type": Institution.WksbmType(wksbm_type).label,
                    },
                )
            )
            return None, False
        if values.get("akreditasi") and kind != Institution.Kind.LKSA:
            errors.append(
                ("akreditasi", values["akreditasi"], _(MSG_ACCREDITATION_ONLY_LKSA))
            )
            return None, False
        values["jenis_wksbm"] = wksbm_type or kind_type
        name = values["nama_lembaga"]
        name_key = values["_name_key"] = normalize_name(name)
        village = place.village_code
        registration = values.get("nomor_register", "")
        ref = (
            self.by_registration.get(registration)
            or self.scratch.find_registration(registration)
            if registration
            else None
        )
        if ref is not None:
            record = self.record(ref)
            if record.kind != kind or record.village != village:
                other_name, other_kind, _village = self.describe(ref)
                errors.append(
                    (
                        "nomor_register",
                        registration,
                        _(MSG_REGISTRATION_OTHER)
                        % {
                            "number": registration,
                            "name": other_name,
                            "kind": other_kind,
                            "village": self._village_name(place, record.village),
                        },
                    )
                )
                return None, False
            if record.name_key != name_key:
                warnings.append(
                    ("nama_lembaga", name, _(MSG_NAME_DIFFERS) % {"name": record.name})
                )
            return ref, False
        ref = self.by_key.get((kind, name_key, village))
        if ref is None:
            found = self.scratch.find_institution(kind, name_key, village)
            if found is not None:
                ref = found[0]
                self._stored = found
        if ref is not None:
            # Only a row with a registration number needs the record's own.
            record = self.record(ref) if registration else None
            if record is not None and record.registration:
                errors.append(
                    (
                        "nomor_register",
                        registration,
                        _(MSG_REGISTRATION_DIFFERS) % {"number": record.registration},
                    )
                )
                return None, False
            return ref, False
        if kind == Institution.Kind.KARANG_TARUNA and village in self.karang_taruna:
            other = self.record(self.karang_taruna[village])
            errors.append(
                (
                    "nama_lembaga",
                    name,
                    _(MSG_KARANG_TARUNA_TAKEN) % {"name": other.name},
                )
            )
            return None, False
        return None, True

    def take_masked_account(
        self, values: dict, ref: int | None, is_new: bool, errors: list
    ) -> None:
        """A masked account number (an export's, for a user who may not see it
        whole) keeps the stored number of the existing institution it was made
        from, like an empty cell: no change. Any other institution has no
        stored number it can stand for: the row is refused."""
        masked = values.pop("nomor_rekening")
        if ref is None and not is_new:
            return  # the institution was not found: its error is given
        if is_new or ref < 0:
            message = MSG_MASKED_ACCOUNT_NEW
        elif account_matches(masked, self._stored_account(ref)):
            return
        else:
            message = MSG_MASKED_ACCOUNT_DIFFERS
        errors.append(("nomor_rekening", masked, _(message) % {"mask": masked}))

    def _stored_account(self, pk: int) -> str:
        if self._accounts is None:
            self._accounts = dict(
                Institution.objects.exclude(account_number="")
                .values_list("pk", "account_number")
                .order_by()
            )
        return self._accounts.get(pk, "")

    def _village_name(self, place: Place, code: str) -> str:
        return place.village_name if code == place.village_code else code

    def plan_new(self, values: dict, place: Place, row: int) -> int:
        kind = values["jenis_lembaga"][0]
        ref = self.scratch.add_institution(
            Planned(
                0,
                kind,
                values["nama_lembaga"],
                values["_name_key"],
                place.village_code,
                values.get("nomor_register", ""),
                row,
                self._details(values),
            )
        )
        if kind == Institution.Kind.KARANG_TARUNA:
            self.karang_taruna.setdefault(place.village_code, ref)
        return ref

    def _details(self, values: dict) -> dict:
        """The details a row gives (its non-empty detail columns), by field."""
        return {
            name: value
            for column, name in self.detail_columns
            if (value := values.get(column))
        }

    def want(self, ref: int, values: dict, row: int) -> None:
        """Note the details a row gives; the last non-empty value wins."""
        if ref < 0:
            given = self._details(values)
            registration = values.get("nomor_register")
            if not registration and (
                not given or (ref, stored_fields(given)) == self._stored
            ):
                return
            planned = self.scratch.institution(ref)
            fields = planned.fields | given
            if registration and not planned.registration:
                planned.registration = registration
            elif fields == planned.fields:
                return
            self.scratch.update_institution(ref, fields, planned.registration)
            return
        wanted = self.wanted.get(ref)
        if wanted is None:
            wanted = self.wanted[ref] = {}
            self.rows_of[ref] = []
        self.rows_of[ref].append(row)
        for column, name in self.detail_columns:
            value = values.get(column)
            if value:
                wanted[name] = (value, row)
        registration = values.get("nomor_register")
        if registration and not self.known[ref].registration:
            wanted["registration_number"] = (registration, row)
            self.by_registration[registration] = ref

    def changes(self) -> list[tuple[int, dict[str, str], dict[str, str]]]:
        """Existing institutions whose stored details differ from the file:
        (pk, new values, old values)."""
        result = []
        pks = list(self.wanted)
        for start in range(0, len(pks), 2000):
            chunk = pks[start : start + 2000]
            for current in Institution.objects.filter(pk__in=chunk).values(
                "pk", *UPDATABLE
            ):
                wanted = self.wanted[current["pk"]]
                new = {
                    name: value
                    for name, (value, _row) in wanted.items()
                    if current[name] != value
                }
                if new:
                    old = {name: current[name] for name in new}
                    result.append((current["pk"], new, old))
        return result
