"""The check-in card on the Today page (the couple core asks for it by name in settings)."""

from __future__ import annotations

from django.http import HttpRequest

from checkins import selectors
from repair.models import User
from repair.selectors import CoupleView


def card(*, request: HttpRequest, user: User, couple: CoupleView) -> tuple[str, dict[str, object]]:
    mine, theirs = selectors.today_pair(couple=couple)
    return "checkins/today_card.html", {"mine": mine, "partner_checkin": theirs, "couple": couple}
