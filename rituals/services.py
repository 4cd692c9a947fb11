"""Writes for rituals: scheduling, pausing, resuming and stopping a ritual; marking how an
occurrence went; gratitude notes; reminder settings. Every change to a schedule or to settings is
followed by a reminder sync, so reminders always match what the person sees."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from repair.couples import once
from repair.couples.emails import send_templated
from repair.couples.models import Couple, User
from repair.couples.selectors import CoupleView
from rituals import reminders, selectors
from rituals.library import BY_SLUG
from rituals.models import (
    Cadence,
    GratitudeNote,
    OccurrenceMark,
    OccurrenceStatus,
    Proposal,
    ReminderKind,
    ReminderSettings,
    ScheduledRitual,
)
from rituals.schedule import in_quiet_hours, occurrences
from rituals.selectors import includes

log = logging.getLogger(__name__)

NOTE_LIMIT = 500
PAUSE_DAYS_MIN, PAUSE_DAYS_MAX = 1, 30


class RitualError(ValueError):
    """A change that cannot be made; ``code`` names which, for a kind message in the view."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- scheduling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleInput:
    ritual: str
    cadence: str
    local_time: time
    weekday: int | None = None
    day_of_month: int | None = None
    just_me: bool = False


def ritual_schedule(
    *,
    couple: CoupleView,
    data: ScheduleInput,
    key: UUID | None = None,
    now: datetime | None = None,
) -> ScheduledRitual:
    """Put a library ritual in the couple's calendar, for both partners or just this person. The
    same schedule submitted twice (a double tap) is one ritual.

    One for both is a suggestion until the partner says yes (``ritual_accept``): on nobody's
    calendar and in nobody's reminders before that. Suggesting exactly what the partner already
    suggested is that yes."""
    now = now or timezone.now()
    if data.ritual not in BY_SLUG:
        raise RitualError("unknown")
    if data.cadence not in Cadence.values:
        raise RitualError("cadence")
    weekday = data.weekday if data.cadence == Cadence.WEEKLY else None
    day_of_month = data.day_of_month if data.cadence == Cadence.MONTHLY else None
    if data.cadence == Cadence.WEEKLY and (weekday is None or not 0 <= weekday <= 6):
        raise RitualError("weekday")
    if data.cadence == Cadence.MONTHLY and (day_of_month is None or not 1 <= day_of_month <= 31):
        raise RitualError("day_of_month")
    fields = {
        "couple": couple.couple,
        "ritual": data.ritual,
        "cadence": data.cadence,
        "weekday": weekday,
        "day_of_month": day_of_month,
        "local_time": data.local_time,
        "person": couple.me if data.just_me else None,
    }
    with transaction.atomic():
        claim = once.claim(user=couple.me, purpose="rituals.schedule", key=key, now=now)
        if claim.repeat:
            first = claim.first_of(ScheduledRitual.objects.filter(couple=couple.couple))
            if first is not None:
                return first
        # Both partners scheduling the same at once take turns here, so the check below holds.
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        same = (
            ScheduledRitual.objects.filter(
                **fields, paused_at__isnull=True, stopped_at__isnull=True
            )
            .exclude(proposal=Proposal.NOT_NOW)
            .first()
        )
        if same is not None:
            claim.record(same.pk)
            if not selectors.asked_of_me(same, couple.me):
                return same
            ScheduledRitual.objects.filter(pk=same.pk).update(
                proposal=Proposal.ACCEPTED, accepted_at=now
            )
            same.refresh_from_db()
            ritual = same
        else:
            ritual = ScheduledRitual.objects.create(
                **fields,
                created_by=couple.me,
                created_at=now,
                proposal=Proposal.ACCEPTED if data.just_me else Proposal.WAITING,
                accepted_at=now if data.just_me else None,
            )
            claim.record(ritual.pk)
    reminders.sync_ritual(ritual=ritual, now=now)
    return ritual


def ritual_answer(
    *, couple: CoupleView, ritual: ScheduledRitual, accept: bool, now: datetime | None = None
) -> ScheduledRitual:
    """The partner's answer to a ritual for both that the other suggested. Yes: it starts for both
    (calendar and reminders, each at their own local time). Not now: it stays off, and the one who
    suggested it sees only that it wasn't taken up for now. Only a suggestion still waiting, and
    only by the partner who did not make it (anything else: ``not_asked``)."""
    now = now or timezone.now()
    if ritual.couple_id != couple.couple.pk or not selectors.asked_of_me(ritual, couple.me):
        raise RitualError("not_asked")
    changed = ScheduledRitual.objects.filter(
        pk=ritual.pk, proposal=Proposal.WAITING, stopped_at__isnull=True
    ).update(
        proposal=Proposal.ACCEPTED if accept else Proposal.NOT_NOW,
        accepted_at=now if accept else None,
    )
    if not changed:  # answered a moment ago (another tab), or withdrawn
        raise RitualError("not_asked")
    ritual.refresh_from_db()
    reminders.sync_ritual(ritual=ritual, now=now)
    return ritual


def ritual_pause(*, ritual: ScheduledRitual, now: datetime | None = None) -> ScheduledRitual:
    """Off the calendar and no reminders until resumed; marks and the schedule are kept."""
    now = now or timezone.now()
    ScheduledRitual.objects.filter(
        pk=ritual.pk, paused_at__isnull=True, stopped_at__isnull=True
    ).update(paused_at=now)
    ritual.refresh_from_db()
    reminders.sync_ritual(ritual=ritual, now=now)
    return ritual


def ritual_resume(*, ritual: ScheduledRitual, now: datetime | None = None) -> ScheduledRitual:
    now = now or timezone.now()
    ScheduledRitual.objects.filter(
        pk=ritual.pk, paused_at__isnull=False, stopped_at__isnull=True
    ).update(paused_at=None)
    ritual.refresh_from_db()
    reminders.sync_ritual(ritual=ritual, now=now)
    return ritual


def ritual_stop(*, ritual: ScheduledRitual, now: datetime | None = None) -> ScheduledRitual:
    """Stopped for good: gone from the calendar and from reminders. Kept in the database (with its
    marks) rather than deleted, so nothing a person marked disappears from under them."""
    now = now or timezone.now()
    ScheduledRitual.objects.filter(pk=ritual.pk, stopped_at__isnull=True).update(stopped_at=now)
    ritual.refresh_from_db()
    reminders.sync_ritual(ritual=ritual, now=now)
    return ritual


# --- marks --------------------------------------------------------------------------------------------


def occurrence_mark(
    *,
    ritual: ScheduledRitual,
    user: User,
    day: date,
    status: str,
    now: datetime | None = None,
) -> OccurrenceMark:
    """How one occurrence went, for this person: kept or let go. Only for a ritual that
    includes them, on a day it falls on, from the day it was scheduled up to their own today. A
    second mark for the same day changes the first."""
    now = now or timezone.now()
    if status not in OccurrenceStatus.values:
        raise RitualError("status")
    if not includes(ritual, user) or ritual.stopped_at is not None:
        raise RitualError("not_yours")
    if not ritual.is_accepted:
        raise RitualError("not_started")
    if day > user.local_today(now=now):
        raise RitualError("future")
    if day < user.local_today(ritual.starts_at) or not occurrences(
        rule=ritual.rule, start=day, end=day
    ):
        raise RitualError("no_occurrence")
    mark, _created = OccurrenceMark.objects.update_or_create(
        ritual=ritual, user=user, date=day, defaults={"status": status, "marked_at": now}
    )
    return mark


# --- gratitude notes ---------------------------------------------------------------------------------


# Without a form key, the same words to the same partner within this long are one note sent twice.
NOTE_REPEAT_WINDOW = timedelta(minutes=10)


def _note_first(
    couple: CoupleView, claim: once.Claim, text: str, now: datetime
) -> GratitudeNote | None:
    """The note this submission repeats, if it is a repeat."""
    if claim.repeat:
        return claim.first_of(GratitudeNote.objects.filter(sender=couple.me))
    if claim.submission_id is not None:
        return None
    # No key (an old tab): the couple's row lock makes two such submits take turns.
    Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
    latest = (
        GratitudeNote.objects.filter(
            couple=couple.couple, sender=couple.me, created_at__gte=now - NOTE_REPEAT_WINDOW
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return latest if latest is not None and latest.text == text else None


def note_send(
    *, couple: CoupleView, text: str, key: UUID | None = None, now: datetime | None = None
) -> GratitudeNote:
    """A note of thanks to the partner, seen in the app. If the partner asked for it, a neutral
    email says a note is waiting: never the words, not in the subject and not in the body. The email
    waits for nobody: it is skipped while their reminders are paused or in their quiet hours.

    ``key`` is the form's one-time key (``repair.once``): a repeat of it returns the first note and
    sends no second email."""
    now = now or timezone.now()
    text = text.strip()
    partner = couple.partner
    if partner is None:
        raise RitualError("no_partner")
    if not text:
        raise RitualError("empty")
    if len(text) > NOTE_LIMIT:
        raise RitualError("too_long")
    with transaction.atomic():
        claim = once.claim(user=couple.me, purpose="rituals.note", key=key, now=now)
        first = _note_first(couple, claim, text, now)
        if first is not None:
            return first  # a repeat: the note was sent, and its email with it
        note = GratitudeNote.objects.create(
            couple=couple.couple, sender=couple.me, text=text, created_at=now
        )
        claim.record(note.pk)
    prefs = reminders.settings_for(user=partner)
    if (
        partner.is_active
        and prefs.notes_email_enabled
        and not (prefs.paused_until and prefs.paused_until > now)
        and not in_quiet_hours(
            moment=now, start=prefs.quiet_start, end=prefs.quiet_end, zone=partner.zoneinfo
        )
    ):
        _note_waiting_email(to=partner)
    return note


def _note_waiting_email(*, to: User) -> bool:
    unsubscribe = settings.SITE_URL + reverse(
        "unsubscribe",
        kwargs={"token": reminders.unsubscribe_token(user=to, kind=ReminderKind.NOTE)},
    )
    with override(settings.LANGUAGE_CODE):
        return send_templated(
            to=to.email,
            # Neutral on purpose: a subject line can be read over someone's shoulder.
            subject=_("You have a note waiting"),
            template="note_waiting",
            context={
                "name": to.name,
                "url": settings.SITE_URL + reverse("rituals:index"),
                "unsubscribe_url": unsubscribe,
            },
        )


def note_mark_read(*, couple: CoupleView, note_ids: list[int], now: datetime | None = None) -> int:
    """Mark notes from the partner as read by this person (only ever notes sent to them)."""
    if not note_ids or couple.partner is None:
        return 0
    return GratitudeNote.objects.filter(
        couple=couple.couple, sender=couple.partner, pk__in=note_ids, read_at__isnull=True
    ).update(read_at=now or timezone.now())


# --- reminder settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderSettingsInput:
    checkin_enabled: bool
    checkin_time: time
    rituals_enabled: bool
    notes_email_enabled: bool
    quiet_start: time | None = None
    quiet_end: time | None = None


def reminder_settings_save(
    *, user: User, data: ReminderSettingsInput, now: datetime | None = None
) -> ReminderSettings:
    quiet = data.quiet_start is not None and data.quiet_end is not None
    prefs, _created = ReminderSettings.objects.update_or_create(
        user=user,
        defaults={
            "checkin_enabled": data.checkin_enabled,
            "checkin_time": data.checkin_time,
            "rituals_enabled": data.rituals_enabled,
            "notes_email_enabled": data.notes_email_enabled,
            "quiet_start": data.quiet_start if quiet else None,
            "quiet_end": data.quiet_end if quiet else None,
        },
    )
    reminders.sync_user(user=user, now=now)
    return prefs


def reminders_pause(*, user: User, days: int, now: datetime | None = None) -> ReminderSettings:
    """No reminders of any kind for ``days`` days; they come back by themselves afterwards."""
    if not PAUSE_DAYS_MIN <= days <= PAUSE_DAYS_MAX:
        raise RitualError("pause_days")
    now = now or timezone.now()
    prefs, _created = ReminderSettings.objects.update_or_create(
        user=user, defaults={"paused_until": now + timedelta(days=days)}
    )
    reminders.sync_user(user=user, now=now)
    return prefs


def reminders_resume(*, user: User, now: datetime | None = None) -> ReminderSettings:
    prefs, _created = ReminderSettings.objects.update_or_create(
        user=user, defaults={"paused_until": None}
    )
    reminders.sync_user(user=user, now=now)
    return prefs
