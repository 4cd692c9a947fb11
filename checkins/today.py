"""The check-in card on the Today page (the couple core asks for it by name in settings)."""

from __future__ import annotations

from django.http import HttpRequest

from checkins import selectors
from repair.models import User
from repair.selectors import CoupleView


def card(*, request: HttpRequest, user: User, couple: CoupleView) -> tuple[str, dict[str, object]]:
    today = selectors.local_today(user=user)
    return "checkins/today_card.html", {
        "mine": selectors.checkin_for_day(user=user, day=today),
        "partner_checkin": selectors.partner_checkin_today(couple=couple),
        "couple": couple,
    }
