from django import template
from django.utils.http import urlencode
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def nav_section(path: str) -> str:
    """`/lembaga/12/` -> `lembaga`: which navigation entry a page belongs to."""
    return path.strip("/").split("/", 1)[0]


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for sort links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    params.pop("page", None)
    return urlencode(sorted(params.lists()), doseq=True)


@register.filter
def person(user) -> str:
    """A user's name for timelines; nobody (an import, the system) reads `sistem`."""
    if user is None:
        return _("sistem")
    return user.get_full_name() or user.get_username()
