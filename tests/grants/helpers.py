"""Checks the grants tests share: a refused step leaves everything as it was."""

import re

from grants.models import Grant


def exactly(message: str) -> str:
    """A `pytest.raises(match=...)` pattern for this whole message and nothing else."""
    return f"^{re.escape(message)}$"


def snapshot(grant: Grant) -> dict:
    """Everything a refused step must leave as it was."""
    grant.refresh_from_db()
    fields = {f.attname: getattr(grant, f.attname) for f in Grant._meta.concrete_fields}
    return {
        **fields,
        "events": list(grant.events.values_list("pk", flat=True)),
        "disbursements": list(grant.disbursements.values_list("pk", flat=True)),
    }
