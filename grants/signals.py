"""Signals of the grants app, for apps it must not import (reports)."""

from django.dispatch import Signal

# Sent when grants were written in bulk, bypassing model signals, with `years`:
# the programme years whose figures changed.
grants_written_in_bulk = Signal()
