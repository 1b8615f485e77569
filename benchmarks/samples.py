"""Realistic recipient lists for the benchmark and the speed checks.

Rows look like the office's Excel lists: three years, real villages of the
province (from the database), invented names, the usual spellings of kinds
and amounts, some villages given by code and some by name, older years
already disbursed. Karang Taruna stay one per village.
"""

import csv
import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from institutions.models import Institution, Village

HEADER = [
    "tahun",
    "program",
    "jenis_lembaga",
    "jenis_wksbm",
    "nama_lembaga",
    "nomor_register",
    "kode_desa",
    "desa",
    "kecamatan",
    "kabupaten",
    "alamat",
    "ketua",
    "telepon",
    "bank",
    "nomor_rekening",
    "nama_rekening",
    "nilai_bantuan",
    "status",
    "tanggal_salur",
]
FIRST_NAMES = [
    "Abdul", "Rahmat", "Siti", "Nurhayati", "Hasan", "Fadli", "Yusuf", "Rini",
    "Sri", "Ikbal", "Ahmad", "Fatma", "Ismail", "Hadijah", "Ridwan", "Wahyu",
    "Ningsih", "Arifin", "Salma", "Hamid",
]  # fmt: skip
LAST_NAMES = [
    "Hulopi", "Mohamad", "Lamato", "Pakaya", "Gobel", "Katili", "Daud", "Usman",
    "Abdullah", "Panigoro", "Hasiru", "Bilondatu", "Ismail", "Jusuf", "Musa",
]  # fmt: skip
WORDS = [
    "Al-Ikhlas", "Nurul Huda", "Al-Hidayah", "Baiturrahman", "Al-Muhajirin",
    "Sejahtera", "Tunas Harapan", "Bina Bersama", "Mekar Sari", "Harapan Baru",
    "Kasih Ibu", "Mawar", "Melati", "An-Nur", "Al-Falah", "Ar-Rahman",
]  # fmt: skip
WKSBM_TYPES = [
    ("Majelis Taklim", "Majelis Taklim"),
    ("Takmirul Masjid", "Takmirul Masjid"),
    ("Rukun Duka", "Rukun Duka"),
    ("Paguyuban", "Paguyuban"),
    ("Kelompok Arisan", "Kelompok Arisan"),
]
KIND_SPELLINGS = {
    Institution.Kind.WKSBM: ["WKSBM", "wksbm", "Wksbm"],
    Institution.Kind.KARANG_TARUNA: ["Karang Taruna", "KARANG TARUNA", "KT"],
    Institution.Kind.LKSA: ["LKSA", "lksa"],
}
BANKS = ["Bank SulutGo", "BRI", "BNI", "Bank Mandiri", "BSI"]


def _amount_text(amount: int, rng: random.Random) -> str:
    dotted = f"{amount:,}".replace(",", ".")
    return rng.choice(
        [f"Rp {dotted}", f"Rp{dotted}", dotted, f"{dotted},00", str(amount)]
    )


@dataclass
class _Institution:
    kind: str
    wksbm_type: str
    name: str
    registration: str
    village: tuple[str, str, str, str]
    leader: str
    phone: str
    bank: str
    account: str
    address: str


def recipient_rows(
    count: int, *, years: tuple[int, ...], programs: dict[int, str], seed: int = 2024
) -> Iterator[list[str]]:
    """`count` rows over `years`; about two in five institutions recur."""
    rng = random.Random(seed)
    villages = list(
        Village.objects.select_related("district__regency").values_list(
            "code", "name", "district__name", "district__regency__name"
        )
    )
    free_for_karang_taruna = list(villages)
    rng.shuffle(free_for_karang_taruna)
    pool: list[_Institution] = []
    serial = 0

    def new_institution() -> _Institution:
        nonlocal serial
        serial += 1
        roll = rng.random()
        if roll < 0.06 and free_for_karang_taruna:
            kind, village = Institution.Kind.KARANG_TARUNA, free_for_karang_taruna.pop()
            name, wksbm_type = f"Karang Taruna {rng.choice(WORDS)} {village[1]}", ""
        elif roll < 0.09:
            kind, village = Institution.Kind.LKSA, rng.choice(villages)
            name, wksbm_type = f"LKSA {rng.choice(WORDS)} {serial}", ""
        else:
            kind, village = Institution.Kind.WKSBM, rng.choice(villages)
            label, wksbm_type = rng.choice(WKSBM_TYPES)
            name = f"{label} {rng.choice(WORDS)} {serial}"
        leader = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        return _Institution(
            kind=kind,
            wksbm_type=wksbm_type,
            name=name,
            registration=f"REG/{serial:06d}/BENCH" if rng.random() < 0.3 else "",
            village=village,
            leader=leader,
            phone=f"08{rng.randrange(10**9, 10**10)}",
            bank=rng.choice(BANKS),
            account=f"{rng.randrange(10**11, 10**12)}",
            address=f"Jl. {rng.choice(WORDS)} No. {rng.randrange(1, 200)}",
        )

    per_year = [count // len(years)] * len(years)
    per_year[-1] += count - sum(per_year)
    last_year = max(years)
    for year, rows in zip(years, per_year, strict=True):
        used: set[int] = set()
        for _row in range(rows):
            index = None
            if pool and rng.random() < 0.4:
                index = rng.randrange(len(pool))
                if index in used:
                    index = None
            if index is None:
                pool.append(new_institution())
                index = len(pool) - 1
            used.add(index)
            inst = pool[index]
            code, village, district, regency = inst.village
            by_code = rng.random() < 0.5
            amount = rng.randrange(20, 61) * 500_000
            disbursed = year != last_year
            yield [
                str(year),
                programs[year],
                rng.choice(KIND_SPELLINGS[inst.kind]),
                inst.wksbm_type,
                inst.name if rng.random() < 0.9 else inst.name.upper(),
                inst.registration,
                code if by_code else "",
                "" if by_code else village,
                "" if by_code else district,
                "" if by_code else rng.choice([regency, regency.upper()]),
                inst.address,
                inst.leader,
                inst.phone,
                inst.bank,
                inst.account,
                inst.name,
                _amount_text(amount, rng),
                "disalurkan" if disbursed else "diusulkan",
                (
                    datetime.date(
                        year, rng.randrange(3, 12), rng.randrange(1, 28)
                    ).strftime("%d/%m/%Y")
                    if disbursed
                    else ""
                ),
            ]


def write_csv(path, rows, *, delimiter: str = ";") -> int:
    """Write rows under the header the way Excel saves "CSV UTF-8"; return the count."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
