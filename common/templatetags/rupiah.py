from django import template

from common.money import rupiah as format_rupiah

register = template.Library()


@register.filter
def rupiah(value) -> str:
    """`{{ grant.amount|rupiah }}` -> `Rp10.000.000`."""
    if value in (None, ""):
        return ""
    return format_rupiah(value)
