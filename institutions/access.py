"""Who may see and do what: roles through permissions, areas through scope."""

from django.contrib.auth.mixins import PermissionRequiredMixin

from .models import Regency, regency_scope


class StaffPermissionMixin(PermissionRequiredMixin):
    """Anonymous users go to the login page; users without the role get 403."""


def visible_regencies(user):
    """The regencies a user works on, as a queryset for choice fields."""
    scope = regency_scope(user)
    regencies = Regency.objects.all()
    return regencies if scope is None else regencies.filter(code__in=scope)
