"""The LPJ state of a grant, in the one set of words (LpjState)."""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from grants.models import LpjState

register = template.Library()

# The badge colours of static/css: amber waits, green is done, red is late.
BADGE_CLASSES = {
    LpjState.NOT_SUBMITTED: "badge",
    LpjState.OVERDUE: "badge warn",
    LpjState.SUBMITTED: "badge submitted",
    LpjState.NEEDS_REVISION: "badge needs_revision",
    LpjState.ACCEPTED: "badge accepted",
}


def _today(context) -> datetime.date:
    return context.get("today") or timezone.localdate()


@register.simple_tag(takes_context=True)
def lpj_state(context, grant) -> LpjState | None:
    """`{% lpj_state grant as state %}`: the state, for `state.label`."""
    return LpjState.of(grant, _today(context))


@register.simple_tag(takes_context=True)
def lpj_badge(context, grant) -> str:
    """The grant's LPJ state as a badge; nothing while it owes no LPJ."""
    state = LpjState.of(grant, _today(context))
    if state is None:
        return ""
    return format_html('<span class="{}">{}</span>', BADGE_CLASSES[state], state.label)
