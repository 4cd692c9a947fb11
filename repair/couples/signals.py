"""Signals the couple core sends, for apps that build on it (it never imports them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that saved a person's new time zone, with ``user`` and ``now``:
# whatever is scheduled in their local time moves with it (rituals/reminders/sync.py).
time_zone_changed = Signal()
