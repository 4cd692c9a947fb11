"""Signals check-ins send, for apps above them (they never import those apps)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that saved a person's check-in preferences, with ``user`` and ``now``:
# the weekly summary is a reminder, so rituals/reminders/sync.py turns it on or off.
preferences_changed = Signal()
