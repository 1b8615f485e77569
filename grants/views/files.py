"""Scans kept with a grant, served only to those who may see the grant."""

from django.contrib.auth.decorators import permission_required
from django.utils.translation import gettext_noop

from common.uploads import logged_file_response

from .workflow import scoped_grant


@permission_required("grants.view_grant", raise_exception=True)
def grant_nphd_scan(request, pk: int):
    """The signed NPHD's scan; 404 for a grant outside the user's regencies."""
    grant = scoped_grant(request, pk)
    return logged_file_response(
        request,
        grant.nphd_scan,
        download_name=f"nphd-bantuan-{grant.pk}",
        what=gettext_noop("Pindaian NPHD bantuan %(year)s untuk %(name)s (#%(pk)s)")
        % {
            "year": grant.program.year,
            "name": grant.institution.name,
            "pk": grant.pk,
        },
    )
