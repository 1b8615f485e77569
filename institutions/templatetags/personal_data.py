"""`{{ beneficiary.nik|nik_for:user }}`, `{{ number|account_for:user }}`: personal
data as the user may see it, whole or masked (institutions.access)."""

from django import template

from institutions import access

register = template.Library()


@register.filter
def nik_for(value, user) -> str:
    if value in (None, ""):
        return ""
    return access.nik_for(user, value)


@register.filter
def account_for(value, user) -> str:
    if value in (None, ""):
        return ""
    return access.account_for(user, value)
