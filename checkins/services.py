"""Writes for check-ins: record (or edit) today's, acknowledge a partner's, and preferences. The
weekly summary email is a reminder (rituals/reminders/), turned on and off here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from checkins.models import (
    SCALE_FIELDS,
    SHAREABLE_FIELDS,
    AckKind,
    Acknowledgement,
    CheckIn,
    CheckinPreferences,
    Visibility,
)
from checkins.signals import preferences_changed
from repair.couples import selectors as couple_selectors
from repair.couples.models import User
from repair.couples.selectors import CoupleView


@dataclass(frozen=True)
class CheckinInput:
    scales: dict[str, int | None]
    helped: str = ""
    appreciated: str = ""
    need: str = ""
    # The questions (SHAREABLE_FIELDS) the author lets the partner see; none unless chosen.
    shared: frozenset[str] = frozenset()


def checkin_record(
    *,
    user: User,
    data: CheckinInput,
    couple: CoupleView | None,
    stepped_aside: bool | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Save the person's check-in for their own local today, creating or editing it. Submitting
    twice (a double tap, a retry after a network blip) edits the same row: one per local day.
    ``stepped_aside``: whether the person is taking time on their own after the private safety
    check (then the check-in stays private), if the caller already knows.

    One statement: an insert that becomes an update on the (person, day) constraint, so two
    submits racing each other still leave one row. ``couple`` is the person's couple as ``couple_for_user`` gives it (the view has it already)."""
    now = now or timezone.now()
    day = user.local_today(now=now)
    if couple is not None and couple.me.pk != user.pk:
        raise ValueError("couple is not this person's")
    if stepped_aside is None:
        stepped_aside = couple is not None and couple_selectors.stepped_aside(user=user)
    answers: dict[str, object] = {
        "helped": data.helped.strip(),
        "appreciated": data.appreciated.strip(),
        "need": data.need.strip(),
        **{name: data.scales.get(name) for name in SCALE_FIELDS},
    }
    # What was chosen and answered, in a stable order (a ticked but skipped question shares
    # nothing, so the partner never gets an empty card). Nobody to share with, or taking time on
    # their own after the private safety check: nothing, until they go back to couple work.
    shared = [
        name
        for name in SHAREABLE_FIELDS
        if couple is not None
        and not stepped_aside
        and name in data.shared
        and answers[name] not in (None, "")
    ]
    fields: dict[str, object] = {
        "couple": couple.couple if couple else None,
        "visibility": Visibility.SHARED if shared else Visibility.PRIVATE,
        "shared_fields": shared,
        "updated_at": now,
        **answers,
    }
    (checkin,) = CheckIn.objects.bulk_create(
        [CheckIn(user=user, local_date=day, created_at=now, **fields)],
        update_conflicts=True,
        unique_fields=["user", "local_date"],
        update_fields=list(fields),
    )
    return checkin


def checkin_acknowledge(
    *, checkin: CheckIn, by: User, kind: str, reply: str = "", now: datetime | None = None
) -> Acknowledgement:
    """The partner's small answer. The caller found ``checkin`` through
    ``partner_checkin_for_ack``, which checks it is shared with ``by``."""
    if kind not in AckKind.values:
        raise ValueError(kind)
    reply = reply.strip() if kind == AckKind.REPLY else ""
    ack, _ = Acknowledgement.objects.update_or_create(
        checkin=checkin,
        defaults={"by": by, "kind": kind, "reply": reply, "created_at": now or timezone.now()},
    )
    return ack


def preferences_set(
    *, user: User, weekly_summary: bool, now: datetime | None = None
) -> CheckinPreferences:
    """Saved with the weekly summary's reminder turned on or off in the same transaction."""
    with transaction.atomic():
        prefs, _ = CheckinPreferences.objects.update_or_create(
            user=user, defaults={"weekly_summary": weekly_summary}
        )
        preferences_changed.send(sender=CheckinPreferences, user=user, now=now)
    return prefs
