"""Mark report years stale whenever what they count changes.

Bulk writes (imports) bypass signals and call `reports.summary.mark_stale`
themselves.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from grants.models import AccountabilityReport, Grant, Program
from grants.signals import grants_written_in_bulk
from institutions.models import Institution

from .summary import mark_stale, refresh_institution_regions


def _year_of(program_id: int) -> list[int]:
    return list(Program.objects.filter(pk=program_id).values_list("year", flat=True))


@receiver(post_save, sender=Grant)
@receiver(post_delete, sender=Grant)
def grant_changed(sender, instance: Grant, **kwargs) -> None:
    mark_stale(_year_of(instance.program_id))


@receiver(grants_written_in_bulk)
def grants_bulk_written(sender, years, **kwargs) -> None:
    mark_stale(years)


@receiver(post_save, sender=AccountabilityReport)
@receiver(post_delete, sender=AccountabilityReport)
def lpj_changed(sender, instance: AccountabilityReport, **kwargs) -> None:
    program_id = Grant.objects.filter(pk=instance.grant_id).values_list(
        "program_id", flat=True
    )
    mark_stale(Program.objects.filter(pk__in=program_id).values_list("year", flat=True))


@receiver(pre_save, sender=Program)
def program_year_changing(sender, instance: Program, **kwargs) -> None:
    if instance.pk:
        old_years = _year_of(instance.pk)
        if old_years and old_years[0] != instance.year:
            mark_stale([*old_years, instance.year])


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
        mark_stale(years)
        refresh_institution_regions([instance.pk])
        instance._regions_changed = False
