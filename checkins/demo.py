"""A month of varied check-ins for the demo couple, so the history page shows something real."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from checkins.models import (
    SCALE_FIELDS,
    SHAREABLE_FIELDS,
    AckKind,
    Acknowledgement,
    CheckIn,
    Visibility,
)
from repair.couples.models import User
from repair.couples.selectors import couple_for_user

NOTES = {
    "helped": [
        "We walked after dinner and it felt easy for a while.",
        "A hard moment at lunch; I took a pause and came back.",
        "Talking before bed helped.",
        "Work was heavy and I was short with everyone.",
    ],
    "appreciated": [
        "You made tea without asking.",
        "You listened without fixing.",
        "You texted when you said you would.",
    ],
    "need": ["A quiet evening.", "A hug before we talk.", "To hear that you're still here."],
}


def seed(*, users: list[User], days: int = 30) -> None:
    rng = random.Random(20261123)  # noqa: S311 - demo data, the same every time
    now = timezone.now()
    for person_index, user in enumerate(users):
        couple = couple_for_user(user=user)
        CheckIn.objects.filter(user=user).delete()
        today = user.local_today(now=now)
        rows = []
        for back in range(days, 0, -1):
            if rng.random() < 0.18:
                continue  # a day without a check-in is just a day
            progress = (days - back) / days  # things ease a little over the month
            values: dict[str, int | None] = {
                field: max(1, min(5, round(2 + 1.8 * progress + rng.uniform(-1.2, 1.2))))
                for field in SCALE_FIELDS
            }
            if rng.random() < 0.25:
                values[rng.choice(SCALE_FIELDS)] = None  # some questions skipped
            shared = rng.random() < (0.8 if person_index else 0.6)
            rows.append(
                CheckIn(
                    user=user,
                    couple=couple.couple if couple else None,
                    local_date=today - timedelta(days=back),
                    visibility=Visibility.SHARED if shared else Visibility.PRIVATE,
                    # A shared check-in in the demo shares its feelings, not trust or touch.
                    shared_fields=[f for f in SHAREABLE_FIELDS if f not in ("trust", "touch")]
                    if shared
                    else [],
                    helped=rng.choice(NOTES["helped"]) if rng.random() < 0.4 else "",
                    appreciated=rng.choice(NOTES["appreciated"]) if rng.random() < 0.3 else "",
                    need=rng.choice(NOTES["need"]) if rng.random() < 0.2 else "",
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        CheckIn.objects.bulk_create(rows)

    first, second = users
    for author, partner in ((first, second), (second, first)):
        recent_shared = CheckIn.objects.filter(user=author, visibility=Visibility.SHARED).order_by(
            "-local_date"
        )[:6]
        for index, checkin in enumerate(recent_shared):
            kind = [AckKind.HEART, AckKind.THANKS, AckKind.REPLY][index % 3]
            Acknowledgement.objects.create(
                checkin=checkin,
                by=partner,
                kind=kind,
                reply="Thank you for telling me. I'm here." if kind == AckKind.REPLY else "",
            )
