"""Who may see and do what: roles through permissions, areas through scope."""

from django.contrib.auth.mixins import PermissionRequiredMixin

from common.masking import mask_account, mask_nik

from .models import Regency, regency_scope


class StaffPermissionMixin(PermissionRequiredMixin):
    """Anonymous users go to the login page; users without the role get 403."""


def visible_regencies(user):
    """The regencies a user works on, as a queryset for choice fields."""
    scope = regency_scope(user)
    regencies = Regency.objects.all()
    return regencies if scope is None else regencies.filter(code__in=scope)


# Personal data (UU PDP 27/2022): who sees NIKs and account numbers whole.
# Everyone else sees them masked (common.masking); superusers see all.
FULL_NIK = "institutions.view_full_nik"
FULL_ACCOUNT = "institutions.view_full_account"


def can_see_full_nik(user) -> bool:
    """Operators and Verifikators: they enter and check people by NIK."""
    return user.has_perm(FULL_NIK)


def can_see_full_account(user) -> bool:
    """Bendahara pay into the account; Verifikators check it against the bank
    book when verifying a grant and confirm a changed one."""
    return user.has_perm(FULL_ACCOUNT)


def nik_for(user, value) -> str:
    """A NIK as this user may see it."""
    return value if can_see_full_nik(user) else mask_nik(value)


def account_for(user, value) -> str:
    """An account number as this user may see it."""
    return value if can_see_full_account(user) else mask_account(value)
