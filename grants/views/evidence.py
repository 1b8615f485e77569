"""Downloads of LPJ evidence and refund proofs, only for those who may see the grant."""

from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop

from common.uploads import logged_file_response

from ..models import AccountabilityReport, LpjEvidence
from .workflow import scoped_grant


@permission_required("grants.view_lpjevidence", raise_exception=True)
def lpj_evidence_file(request, pk: int, evidence_pk: int):
    """One evidence file of the grant's LPJ; 404 outside the user's regencies."""
    grant = scoped_grant(request, pk)
    evidence = get_object_or_404(LpjEvidence, pk=evidence_pk, report__grant=grant)
    return logged_file_response(
        request,
        evidence.file,
        download_name=f"lpj-{grant.pk}-{evidence.kind}-{evidence.round}-{evidence.pk}",
        what=gettext_noop("Bukti LPJ %(kind)s putaran %(round)s, bantuan #%(pk)s")
        % {"kind": evidence.kind, "round": evidence.round, "pk": grant.pk},
    )


@permission_required("grants.view_lpjevidence", raise_exception=True)
def refund_proof_file(request, pk: int):
    """The scan of the refund deposit; 404 outside the user's regencies."""
    grant = scoped_grant(request, pk)
    report = get_object_or_404(AccountabilityReport, grant=grant)
    if not report.refund_proof:
        raise Http404
    return logged_file_response(
        request,
        report.refund_proof,
        download_name=f"setoran-{grant.pk}",
        what=gettext_noop("Bukti setor sisa dana, bantuan #%(pk)s") % {"pk": grant.pk},
    )
