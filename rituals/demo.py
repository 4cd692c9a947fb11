"""Demo rituals for the demo couple: a weekly conversation and a daily reset breath, scheduled a month
ago, with some occurrences marked, and a gratitude note waiting."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from repair.couples.models import User
from repair.couples.selectors import couple_for_user
from rituals import reminders, services
from rituals.models import GratitudeNote, OccurrenceMark, ScheduledRitual
from rituals.schedule import occurrences
from rituals.services import ScheduleInput


def seed(*, users: list[User]) -> None:
    first, second = users
    couple = couple_for_user(user=first)
    if couple is None:
        return
    ScheduledRitual.objects.filter(couple=couple.couple).delete()
    GratitudeNote.objects.filter(couple=couple.couple).delete()
    month_ago = timezone.now() - timedelta(days=30)
    weekly = services.ritual_schedule(
        couple=couple,
        data=ScheduleInput(
            ritual="weekly-conversation", cadence="weekly", weekday=2, local_time=time(19, 30)
        ),
        now=month_ago,
    )
    daily = services.ritual_schedule(
        couple=couple,
        data=ScheduleInput(ritual="reset-breath", cadence="daily", local_time=time(21, 0)),
        now=month_ago,
    )
    # Both suggested by the first partner and accepted by the second, a month ago.
    partner = couple_for_user(user=second)
    if partner is not None:
        weekly = services.ritual_answer(couple=partner, ritual=weekly, accept=True, now=month_ago)
        daily = services.ritual_answer(couple=partner, ritual=daily, accept=True, now=month_ago)
    # Scheduled "a month ago" for the calendar's sake; reminders start from now, not from then.
    reminders.sync_ritual(ritual=weekly)
    today = timezone.localdate()
    marks = []
    for ritual, every in ((weekly, 1), (daily, 3)):
        days = occurrences(
            rule=ritual.rule,
            start=month_ago.date() + timedelta(days=1),
            end=today - timedelta(days=1),
        )
        for index, day in enumerate(days):
            if index % every:
                continue
            for person in (first, second):
                status = "skipped" if (index + person.pk) % 5 == 0 else "kept"
                marks.append(OccurrenceMark(ritual=ritual, user=person, date=day, status=status))
    OccurrenceMark.objects.bulk_create(marks, ignore_conflicts=True)
    services.note_send(
        couple=couple_for_user(user=second) or couple,
        text="Thank you for making tea and sitting with me last night.",
    )
