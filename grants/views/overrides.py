"""A Pimpinan's override of an institution's blockers for one programme."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..forms import EligibilityOverrideForm
from .workflow import proposal_institution, render_propose


@require_POST
@permission_required("grants.add_eligibilityoverride", raise_exception=True)
def override_grant(request):
    """Record the override, then back to the proposal page for the Operator."""
    institution = proposal_institution(request)
    if institution is None:
        raise Http404
    form = EligibilityOverrideForm(request.POST, institution=institution)
    if form.is_valid():
        program = form.cleaned_data["program"]
        try:
            services.grant_eligibility_override(
                program,
                institution,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except services.GrantError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Pengecualian dicatat: %(institution)s dapat diusulkan dalam "
                    "%(program)s."
                )
                % {"institution": institution.name, "program": program},
            )
            query = urlencode({"lembaga": institution.pk, "program": program.pk})
            return redirect(f"{reverse('grants:grant_propose')}?{query}")
    return render_propose(request, institution, override_form=form, status=400)
