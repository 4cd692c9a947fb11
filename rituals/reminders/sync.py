"""Step 1, sync: one ``Reminder`` row per person and purpose, with ``next_due_at`` set to the next
local time it falls (or null when off). Called after any change to reminder settings, rituals, the
weekly-summary choice or a person's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from checkins.models import CheckinPreferences
from repair.couples.models import User
from rituals.models import (
    Cadence,
    Reminder,
    ReminderKind,
    ReminderSettings,
    ScheduledRitual,
)
from rituals.schedule import Rule, next_due

# The weekly summary: Monday morning, in each person's own time zone.
SUMMARY_RULE = Rule(cadence="weekly", at=time(9, 0), weekday=0)


def settings_for(*, user: User) -> ReminderSettings:
    found = ReminderSettings.objects.filter(user=user).first()
    return found or ReminderSettings(user=user)


def next_after(
    *, rule: Rule, zone: ZoneInfo, now: datetime, paused_until: datetime | None
) -> datetime:
    """The rule's first time after now, or after the pause if one is running."""
    after = paused_until if paused_until and paused_until > now else now
    return next_due(after=after, rule=rule, zone=zone)


def _first_due(*, user: User, rule: Rule, now: datetime, prefs: ReminderSettings) -> datetime:
    return next_after(rule=rule, zone=user.zoneinfo, now=now, paused_until=prefs.paused_until)


def sync_user(*, user: User, now: datetime | None = None) -> None:
    """Bring this person's check-in reminder, weekly summary and every ritual reminder in line with
    their settings, their time zone and their couple's active rituals."""
    now = now or timezone.now()
    prefs = settings_for(user=user)
    with transaction.atomic():
        checkin_due = (
            _first_due(
                user=user, rule=Rule(cadence="daily", at=prefs.checkin_time), now=now, prefs=prefs
            )
            if prefs.checkin_enabled
            else None
        )
        _set_single(user=user, kind=ReminderKind.CHECKIN, due=checkin_due)
        wants_summary = CheckinPreferences.objects.filter(user=user, weekly_summary=True).exists()
        # Not moved by a pause: it was never part of "pause reminders" and is counts only.
        summary_due = (
            next_due(after=now, rule=SUMMARY_RULE, zone=user.zoneinfo) if wants_summary else None
        )
        _set_single(user=user, kind=ReminderKind.SUMMARY, due=summary_due)
        rituals = ScheduledRitual.objects.filter(
            couple__memberships__user=user, couple__memberships__left_at__isnull=True
        )
        _sync_rituals(user=user, rituals=rituals, prefs=prefs, now=now)
        # Rituals of couples the person has left, or that were stopped: off.
        Reminder.objects.filter(user=user, kind=ReminderKind.RITUAL).exclude(
            ritual__in=rituals
        ).update(next_due_at=None)


def _set_single(*, user: User, kind: str, due: datetime | None) -> None:
    """The one reminder of this kind a person can have (check-in, summary): moved, or made."""
    found = Reminder.objects.select_for_update().filter(user=user, kind=kind).first()
    if found is not None:
        Reminder.objects.filter(pk=found.pk).update(next_due_at=due)
    elif due is not None:
        Reminder.objects.create(user=user, kind=kind, next_due_at=due)


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
        due = _first_due(user=user, rule=ritual.rule, now=now, prefs=prefs) if wanted else None
        updated = Reminder.objects.filter(
            user=user, kind=ReminderKind.RITUAL, ritual=ritual
        ).update(next_due_at=due)
        if not updated and due is not None:
            Reminder.objects.create(
                user=user, kind=ReminderKind.RITUAL, ritual=ritual, next_due_at=due
            )


def unsubscribe(*, user: User, kind: str) -> None:
    """Turn off one kind of reminder for one person; the others stay as they were."""
    if kind == ReminderKind.SUMMARY:
        CheckinPreferences.objects.update_or_create(user=user, defaults={"weekly_summary": False})
    else:
        field = {
            ReminderKind.CHECKIN: "checkin_enabled",
            ReminderKind.RITUAL: "rituals_enabled",
            ReminderKind.NOTE: "notes_email_enabled",
        }[ReminderKind(kind)]
        ReminderSettings.objects.update_or_create(user=user, defaults={field: False})
    sync_user(user=user)


# What the tick reads of each due reminder: plain values, no model instances (building 3,000 of
# them per batch of 1,000 was a quarter of the tick). Missing settings mean the defaults.
DUE_FIELDS = (
    "pk",
    "next_due_at",
    "kind",
    "user__time_zone",
    "user__reminder_settings__checkin_time",
    "user__reminder_settings__paused_until",
    "ritual__cadence",
    "ritual__local_time",
    "ritual__weekday",
    "ritual__day_of_month",
)
_DEFAULT_CHECKIN_TIME = time.fromisoformat(
    str(ReminderSettings._meta.get_field("checkin_time").get_default())
)


def next_for(row: tuple[Any, ...], now: datetime) -> datetime | None:
    """The reminder's next time after ``now``, from one ``DUE_FIELDS`` row; None if it has no
    rule any more (a ritual reminder whose ritual is gone)."""
    _pk, _due, kind, zone, checkin_time, paused_until, cadence, at, weekday, day = row
    if kind == ReminderKind.SUMMARY:
        return next_due(after=now, rule=SUMMARY_RULE, zone=ZoneInfo(zone))
    if kind == ReminderKind.CHECKIN:
        rule = Rule(cadence="daily", at=checkin_time or _DEFAULT_CHECKIN_TIME)
    elif kind == ReminderKind.RITUAL and cadence is not None:
        rule = Rule(
            cadence=cadence,
            at=at,
            weekday=weekday if cadence == Cadence.WEEKLY else None,
            day_of_month=day if cadence == Cadence.MONTHLY else None,
        )
    else:
        return None
    return next_after(rule=rule, zone=ZoneInfo(zone), now=now, paused_until=paused_until)


def on_settings_changed(*, user: User, now: datetime | None, **_signal: object) -> None:
    """Receiver of ``repair.couples.signals.time_zone_changed`` (the pending reminders move at
    once) and ``checkins.signals.preferences_changed`` (the weekly summary turns on or off)."""
    sync_user(user=user, now=now)
