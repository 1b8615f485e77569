"""The "Dokumen lembaga" section of the institution page."""

from django import template

from ..document_views import document_rows

register = template.Library()


@register.simple_tag
def institution_document_rows(institution):
    """A row per required document kind: the scan in force, its state, history."""
    return document_rows(institution)
