"""Signals other apps listen to, so that this app imports none of them."""

from django.dispatch import Signal

# Sent inside the transaction that changed an institution's bank details, with
# `institution`, `changes` (the InstitutionChange rows) and `by`.
bank_account_changed = Signal()
