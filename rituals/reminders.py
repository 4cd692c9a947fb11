"""Reminder emails, sent exactly once.

- ``sync_user`` / ``sync_ritual`` keep one ``Reminder`` row per person and purpose, with
  ``next_due_at`` set (or null when off). Call them after any change to settings or rituals.
- ``tick`` runs every minute from beat: it claims due reminders with ``SELECT … FOR UPDATE SKIP
  LOCKED``, writes one ``ReminderSend`` per occurrence (unique on reminder + due time, so two ticks or
  two beats cannot make two), advances ``next_due_at`` in the person's zone, and enqueues sends in
  batches after commit. It also re-enqueues sends a dead worker left behind.
- ``send`` claims each ``ReminderSend`` with a conditional update before the email goes out.

See docs/architecture.md, "Reminders", for the failure windows that remain and why they are safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from repair.models import User
from rituals.models import Cadence, Reminder, ReminderKind, ReminderSettings, ScheduledRitual
from rituals.schedule import Rule, next_due


def settings_for(*, user: User) -> ReminderSettings:
    found = ReminderSettings.objects.filter(user=user).first()
    return found or ReminderSettings(user=user)


def _rule_for_ritual(ritual: ScheduledRitual) -> Rule:
    return Rule(
        cadence=ritual.cadence,
        at=ritual.local_time,
        weekday=ritual.weekday if ritual.cadence == Cadence.WEEKLY else None,
        day_of_month=ritual.day_of_month if ritual.cadence == Cadence.MONTHLY else None,
    )


def _first_due(*, user: User, rule: Rule, now: datetime, prefs: ReminderSettings) -> datetime:
    after = now
    if prefs.paused_until and prefs.paused_until > now:
        after = prefs.paused_until
    return next_due(after=after, rule=rule, zone=user.zoneinfo)


def sync_user(*, user: User, now: datetime | None = None) -> None:
    """Bring this person's check-in reminder and every ritual reminder in line with their settings
    and their couple's active rituals."""
    now = now or timezone.now()
    prefs = settings_for(user=user)
    with transaction.atomic():
        checkin = (
            Reminder.objects.select_for_update()
            .filter(user=user, kind=ReminderKind.CHECKIN)
            .first()
        )
        if prefs.checkin_enabled:
            due = _first_due(
                user=user, rule=Rule(cadence="daily", at=prefs.checkin_time), now=now, prefs=prefs
            )
            if checkin is None:
                Reminder.objects.create(user=user, kind=ReminderKind.CHECKIN, next_due_at=due)
            else:
                Reminder.objects.filter(pk=checkin.pk).update(next_due_at=due)
        elif checkin is not None:
            Reminder.objects.filter(pk=checkin.pk).update(next_due_at=None)
        rituals = ScheduledRitual.objects.filter(
            couple__memberships__user=user, couple__memberships__left_at__isnull=True
        )
        _sync_rituals(user=user, rituals=rituals, prefs=prefs, now=now)
        # Rituals of couples the person has left, or that were stopped: off.
        Reminder.objects.filter(user=user, kind=ReminderKind.RITUAL).exclude(
            ritual__in=rituals
        ).update(next_due_at=None)


def sync_ritual(*, ritual: ScheduledRitual, now: datetime | None = None) -> None:
    """After a ritual was scheduled, changed, paused, resumed or stopped."""
    members = User.objects.filter(
        memberships__couple=ritual.couple_id, memberships__left_at__isnull=True
    )
    for user in members:
        sync_user(user=user, now=now)


def _sync_rituals(
    *, user: User, rituals: Iterable[ScheduledRitual], prefs: ReminderSettings, now: datetime
) -> None:
    for ritual in rituals:
        wanted = (
            prefs.rituals_enabled
            and ritual.is_active
            and (ritual.person_id is None or ritual.person_id == user.pk)
        )
        due = (
            _first_due(user=user, rule=_rule_for_ritual(ritual), now=now, prefs=prefs)
            if wanted
            else None
        )
        updated = Reminder.objects.filter(
            user=user, kind=ReminderKind.RITUAL, ritual=ritual
        ).update(next_due_at=due)
        if not updated and due is not None:
            Reminder.objects.create(
                user=user, kind=ReminderKind.RITUAL, ritual=ritual, next_due_at=due
            )


LATE_AFTER = timedelta(hours=2)
