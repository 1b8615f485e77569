"""django-import-export resource for grants, in the recipient list's columns.

An admin import goes through the same checks as the import page, for the
admin user who runs it: a new grant starts as proposed, into a programme open
for proposals, with its audit row; a historical row (already disbursed, a past
year) only from a user with `grants.import_historical_grant`, through
`grants.services.write_historical_grants`; an existing grant's amount and
purpose change only while it is a proposal, and the importing user is then
the last to have changed it. See `institutions.importing`.
"""

from institutions.importing.exports import grants_for_export
from institutions.importing.lists import RECIPIENTS
from institutions.importing.recipients import EDITABLE
from institutions.importing.resources import ListResource, columns_as_fields
from institutions.models import ImportBatch

from .models import Grant

# Once verified, the amount is what the verifier checked and, once approved,
# what counts against the programme's budget ceiling.
EDITABLE_STATUSES = EDITABLE


@columns_as_fields(RECIPIENTS)
class GrantResource(ListResource):
    kind = ImportBatch.Kind.RECIPIENTS

    class Meta:
        model = Grant
        fields: list[str] = []
        name = "Daftar penerima bantuan"

    def filter_export(self, queryset, **kwargs):
        return grants_for_export(queryset)
