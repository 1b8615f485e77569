"""Grants paid before the office used this app, brought in by an import.

They skip verification, approval and payment in the app, so only a user to
whom the administrator gave `grants.import_historical_grant` may write them,
only for past years, and each carries its audit row and its payment.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.bulk import sink

from ..models import Disbursement, Grant, GrantEvent, Program
from ..signals import grants_written_in_bulk
from .errors import (
    MSG_AMOUNT_POSITIVE,
    MSG_HISTORICAL_NEEDS_DECREE,
    MSG_HISTORICAL_NOT_ALLOWED,
    MSG_HISTORICAL_PAST_ONLY,
    MSG_PAID_BEFORE_DECREE,
    GrantError,
    NotAllowed,
)

HISTORICAL_PERMISSION = "grants.import_historical_grant"


@dataclass(frozen=True)
class HistoricalGrant:
    program_id: int
    institution_id: int
    amount: int
    purpose: str
    decree_number: str
    decree_date: datetime.date | None
    paid_on: datetime.date
    note: str = ""


def may_import_historical(user: AbstractBaseUser | None) -> bool:
    return user is not None and user.has_perm(HISTORICAL_PERMISSION)


def require_historical_import(user: AbstractBaseUser | None) -> None:
    if not may_import_historical(user):
        raise NotAllowed(_(MSG_HISTORICAL_NOT_ALLOWED))


def historical_year_error(year: int, today: datetime.date | None = None) -> str | None:
    """Why a year cannot take historical grants, or None."""
    this_year = (today or timezone.localdate()).year
    if year >= this_year:
        return _(MSG_HISTORICAL_PAST_ONLY) % {"year": this_year}
    return None


def historical_grant_error(
    grant: HistoricalGrant, year: int, today: datetime.date | None = None
) -> str | None:
    """Why one historical grant cannot be written, or None."""
    if grant.amount <= 0:
        return _(MSG_AMOUNT_POSITIVE)
    if not grant.decree_number.strip():
        return _(MSG_HISTORICAL_NEEDS_DECREE)
    if grant.decree_date and grant.paid_on < grant.decree_date:
        return _(MSG_PAID_BEFORE_DECREE) % {
            "date": grant.paid_on.strftime("%d/%m/%Y"),
            "decree": grant.decree_date.strftime("%d/%m/%Y"),
        }
    return historical_year_error(year, today)


@transaction.atomic
def write_historical_grants(
    grants: Sequence[HistoricalGrant],
    *,
    by: AbstractBaseUser | None,
    import_batch_id: int | None = None,
    today: datetime.date | None = None,
    administrator: bool = False,
) -> list[int]:
    """Write already-paid grants with their audit rows and payments; return their ids.

    `administrator` is the server's command line, run by whoever administers
    the server: there is no user to check, and none is recorded.
    """
    if not (administrator and by is None):
        require_historical_import(by)
    years = dict(
        Program.objects.filter(pk__in={g.program_id for g in grants}).values_list(
            "pk", "year"
        )
    )
    for grant in grants:
        error = historical_grant_error(grant, years[grant.program_id], today)
        if error:
            raise GrantError(error)
    if not grants:
        return []
    rows = sink()
    by_id = by.pk if by is not None else None
    ids = rows.insert(
        Grant,
        (
            "program_id",
            "institution_id",
            "amount",
            "purpose",
            "status",
            "decree_number",
            "decree_date",
            "import_batch_id",
        ),
        [
            (
                g.program_id,
                g.institution_id,
                g.amount,
                g.purpose,
                Grant.Status.DISBURSED,
                g.decree_number.strip(),
                g.decree_date,
                import_batch_id,
            )
            for g in grants
        ],
        with_ids=True,
    )
    rows.insert(
        GrantEvent,
        ("grant_id", "from_status", "to_status", "actor_id", "note"),
        [
            (pk, "", Grant.Status.DISBURSED, by_id, g.note)
            for pk, g in zip(ids, grants, strict=True)
        ],
    )
    rows.insert(
        Disbursement,
        ("grant_id", "paid_on", "amount", "recorded_by_id"),
        [(pk, g.paid_on, g.amount, by_id) for pk, g in zip(ids, grants, strict=True)],
    )
    grants_written_in_bulk.send(
        sender=Grant, years=sorted({years[g.program_id] for g in grants})
    )
    return ids
