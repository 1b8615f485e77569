"""Recount report years when what they count changes, once the change is committed.

The receivers only note, per transaction, the programme years that changed (and
the institutions that moved); nothing is written inside the transaction, so
changes of one year do not queue on its summary row. When the transaction
commits, one callback marks those years stale and enqueues one recount per year
(`reports.tasks.recount_year`); a transaction that rolls back leaves nothing.
Bulk writes (imports, historical grants) bypass model signals and send
`grants.signals.grants_written_in_bulk` instead.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from grants.models import AccountabilityReport, Grant, Program
from grants.signals import grants_written_in_bulk
from institutions.models import Institution

from .summary import mark_stale, refresh_institution_regions
from .tasks import recount_year


def recount_later(years: Iterable[int], moved_institutions: Iterable[int] = ()) -> None:
    """Mark these years stale and enqueue their recounts (after the commit)."""
    years = sorted({year for year in years if year is not None})
    with transaction.atomic():
        refresh_institution_regions(moved_institutions)
        mark_stale(years)
        for year in years:
            recount_year.enqueue(year)


@dataclass(eq=False)
class _Changes:
    """One transaction's changes, handed over by one on-commit callback."""

    years: set[int] = field(default_factory=set)
    moved_institutions: set[int] = field(default_factory=set)
    handed_over: bool = False

    def hand_over(self) -> None:
        if not self.handed_over:
            self.handed_over = True
            recount_later(self.years, self.moved_institutions)


def _note(years: Iterable[int] = (), moved_institutions: Iterable[int] = ()) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        # Autocommit: the change is committed already.
        transaction.on_commit(
            functools.partial(recount_later, list(years), list(moved_institutions)),
            robust=True,
        )
        return
    changes = getattr(connection, "_report_changes", None)
    if changes is None or changes.handed_over or not _pending(connection, changes):
        # The first change of this transaction, or the callback went with a
        # rolled-back savepoint (and so did the changes noted under it).
        changes = _Changes()
        connection._report_changes = changes
        # Robust: a failure to enqueue is logged; it must not turn a committed
        # change into an error page. The years stay stale until a recount.
        transaction.on_commit(changes.hand_over, robust=True)
    changes.years.update(years)
    changes.moved_institutions.update(moved_institutions)


def _pending(connection, changes: _Changes) -> bool:
    return any(
        callback == changes.hand_over
        for _sids, callback, _robust in connection.run_on_commit
    )


def _year_of(program_id: int) -> list[int]:
    return list(Program.objects.filter(pk=program_id).values_list("year", flat=True))


@receiver(post_save, sender=Grant)
@receiver(post_delete, sender=Grant)
def grant_changed(sender, instance: Grant, **kwargs) -> None:
    _note(_year_of(instance.program_id))


@receiver(grants_written_in_bulk)
def grants_bulk_written(sender, years, **kwargs) -> None:
    _note(years)


@receiver(post_save, sender=AccountabilityReport)
@receiver(post_delete, sender=AccountabilityReport)
def lpj_changed(sender, instance: AccountabilityReport, **kwargs) -> None:
    program_id = Grant.objects.filter(pk=instance.grant_id).values_list(
        "program_id", flat=True
    )
    _note(Program.objects.filter(pk__in=program_id).values_list("year", flat=True))


@receiver(post_save, sender=Program)
@receiver(post_delete, sender=Program)
def program_added_or_removed(sender, instance: Program, **kwargs) -> None:
    # A new programme's year is counted (as empty) so its reports are not pending.
    if kwargs.get("created", True):
        _note([instance.year])


@receiver(pre_save, sender=Program)
def program_year_changing(sender, instance: Program, **kwargs) -> None:
    if instance.pk:
        old_years = _year_of(instance.pk)
        if old_years and old_years[0] != instance.year:
            _note([*old_years, instance.year])


@receiver(pre_save, sender=Institution)
def institution_moving(sender, instance: Institution, **kwargs) -> None:
    if not instance.pk:
        return
    old = (
        Institution.objects.filter(pk=instance.pk).values("kind", "village_id").first()
    )
    if old and (old["kind"], old["village_id"]) != (instance.kind, instance.village_id):
        instance._regions_changed = True


@receiver(post_save, sender=Institution)
def institution_moved(sender, instance: Institution, **kwargs) -> None:
    if getattr(instance, "_regions_changed", False):
        years = Grant.objects.filter(institution=instance).values_list(
            "program__year", flat=True
        )
        _note(years, moved_institutions=[instance.pk])
        instance._regions_changed = False
