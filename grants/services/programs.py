"""Programmes: province-wide, guarded by their ceiling, open or closed."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.money import rupiah
from institutions.audit import record_change
from institutions.models import regency_scope

from ..models import Grant, Program
from .errors import (
    MSG_CEILING_BELOW_COMMITTED,
    MSG_NO_PERMISSION,
    MSG_PROGRAM_ALREADY_CLOSED,
    MSG_PROGRAM_NOT_CLOSED,
    MSG_PROGRAM_SCOPE,
    MSG_PROGRAM_YEAR_LOCKED,
    NotAllowed,
    ProgramError,
)


def can_manage_programs(user: AbstractBaseUser, perm: str = "change_program") -> bool:
    """Programmes cover the whole province: only users not kept to regencies manage them."""
    return user.has_perm(f"grants.{perm}") and regency_scope(user) is None


def require_program_manager(user: AbstractBaseUser, perm: str) -> None:
    if not user.has_perm(f"grants.{perm}"):
        raise NotAllowed(_(MSG_NO_PERMISSION))
    if regency_scope(user) is not None:
        raise NotAllowed(_(MSG_PROGRAM_SCOPE))


def ceiling_refusal(program: Program, ceiling: int) -> str | None:
    """Why `ceiling` is too low for what the programme has committed, or None."""
    if program.pk is None:
        return None
    committed = Grant.objects.filter(program_id=program.pk).committed_total()
    if ceiling >= committed:
        return None
    return _(MSG_CEILING_BELOW_COMMITTED) % {
        "ceiling": rupiah(ceiling),
        "committed": rupiah(committed),
    }


class CeilingCheckMixin:
    """Forms say early what `save_program` refuses again under the programme's lock."""

    def clean_budget_ceiling(self) -> int:
        ceiling = self.cleaned_data["budget_ceiling"]
        refusal = ceiling_refusal(self.instance, ceiling)
        if refusal:
            raise ValidationError(refusal)
        return ceiling


@transaction.atomic
def save_program(
    program: Program, *, by: AbstractBaseUser, changed_fields: list[str] = ()
) -> Program:
    """Create or change a programme, never below what its grants already commit."""
    created = program.pk is None
    require_program_manager(by, "add_program" if created else "change_program")
    if not created:
        # Approvals lock the same row: a ceiling change and an approval never
        # both pass on the same room.
        stored = Program.objects.select_for_update().get(pk=program.pk)
        refusal = ceiling_refusal(stored, program.budget_ceiling)
        if refusal:
            raise ProgramError(refusal, field="budget_ceiling")
        if program.year != stored.year and stored.grants.exists():
            raise ProgramError(_(MSG_PROGRAM_YEAR_LOCKED), field="year")
        # Closing has its own step; a form never reopens or closes.
        program.closed_at, program.closed_by = stored.closed_at, stored.closed_by
    program.full_clean()
    program.save()
    if created or changed_fields:
        record_change(by, program, created=created, changed_fields=list(changed_fields))
    return program


@transaction.atomic
def close_program(program: Program, *, by: AbstractBaseUser) -> Program:
    """Close a programme to new proposals, recording who and when."""
    require_program_manager(by, "change_program")
    program = Program.objects.select_for_update().get(pk=program.pk)
    if not program.is_open:
        raise ProgramError(_(MSG_PROGRAM_ALREADY_CLOSED))
    program.closed_at, program.closed_by = timezone.now(), by
    program.save(update_fields=["closed_at", "closed_by", "updated_at"])
    record_change(by, program, created=False, changed_fields=[_("Program ditutup")])
    return program


@transaction.atomic
def reopen_program(program: Program, *, by: AbstractBaseUser) -> Program:
    """Open a closed programme to proposals again, recording who and when."""
    require_program_manager(by, "change_program")
    program = Program.objects.select_for_update().get(pk=program.pk)
    if program.is_open:
        raise ProgramError(_(MSG_PROGRAM_NOT_CLOSED))
    program.closed_at, program.closed_by = None, None
    program.save(update_fields=["closed_at", "closed_by", "updated_at"])
    record_change(
        by, program, created=False, changed_fields=[_("Program dibuka kembali")]
    )
    return program
