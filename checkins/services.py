"""Writes for check-ins: record (or edit) today's, acknowledge a partner's, preferences, and the
weekly summary email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from checkins.models import (
    SCALE_FIELDS,
    AckKind,
    Acknowledgement,
    CheckIn,
    CheckinPreferences,
    Visibility,
    WeeklySummary,
)
from checkins.selectors import local_today, week_counts
from repair.emails import send_templated
from repair.models import User
from repair.selectors import CoupleView, couple_for_user


@dataclass(frozen=True)
class CheckinInput:
    visibility: str
    scales: dict[str, int | None]
    helped: str = ""
    appreciated: str = ""
    need: str = ""


def checkin_record(
    *,
    user: User,
    data: CheckinInput,
    couple: CoupleView | None,
    now: datetime | None = None,
) -> CheckIn:
    """Save the person's check-in for their own local today, creating or editing it. Submitting
    twice (a double tap, a retry after a network blip) edits the same row: one per local day.

    One statement: an insert that becomes an update on the (person, day) constraint, so two
    submits racing each other still leave one row. ``couple`` is the person's couple as ``couple_for_user`` gives it (the view has it already)."""
    now = now or timezone.now()
    day = local_today(user=user, now=now)
    if couple is not None and couple.me.pk != user.pk:
        raise ValueError("couple is not this person's")
    visibility = data.visibility if data.visibility in Visibility.values else Visibility.PRIVATE
    if couple is None:
        visibility = Visibility.PRIVATE  # nobody to share with
    fields: dict[str, object] = {
        "couple": couple.couple if couple else None,
        "visibility": visibility,
        "helped": data.helped.strip(),
        "appreciated": data.appreciated.strip(),
        "need": data.need.strip(),
        "updated_at": now,
        **{name: data.scales.get(name) for name in SCALE_FIELDS},
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


def preferences_set(*, user: User, weekly_summary: bool) -> CheckinPreferences:
    prefs, _ = CheckinPreferences.objects.update_or_create(
        user=user, defaults={"weekly_summary": weekly_summary}
    )
    return prefs


# Monday morning, in each person's own time zone; skipped if more than half a day late.
SUMMARY_SEND_AT = time(9, 0)
SUMMARY_LATEST = timedelta(hours=12)


def weekly_summaries_send(*, now: datetime | None = None) -> int:
    """Send last week's summary to everyone who asked for it and whose Monday morning has come.
    Each (person, week) is claimed by inserting a unique row before sending, so two ticks or two
    workers never send it twice; a crash after the claim loses that one email rather than risking
    a duplicate."""
    now = now or timezone.now()
    sent = 0
    opted_in = CheckinPreferences.objects.filter(weekly_summary=True, user__is_active=True)
    for prefs in opted_in.select_related("user").iterator():
        user = prefs.user
        local_now = timezone.localtime(now, user.zoneinfo)
        monday = local_now.date() - timedelta(days=local_now.weekday())
        due = datetime.combine(monday, SUMMARY_SEND_AT, tzinfo=user.zoneinfo)
        if not (due <= local_now <= due + SUMMARY_LATEST):
            continue
        try:
            with transaction.atomic():
                claim = WeeklySummary.objects.create(user=user, week_start=monday)
        except IntegrityError:
            continue  # another tick got there first
        couple = couple_for_user(user=user)
        counts = week_counts(user=user, couple=couple, week_start=monday - timedelta(days=7))
        with override(settings.LANGUAGE_CODE):
            delivered = send_templated(
                to=user.email,
                subject=_("Your week in check-ins"),
                template="weekly_summary",
                context={
                    "name": user.name,
                    "mine": counts.mine,
                    "partner_name": couple.partner.name if couple and couple.partner else "",
                    "partner_shared": counts.partner_shared,
                    "url": settings.SITE_URL + reverse("checkins:history"),
                },
            )
        if delivered:
            WeeklySummary.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
            sent += 1
    return sent
