"""The rituals card on the Today page (the couple core asks for it by name in settings): notes from
the partner not read yet, and this person's rituals for today. Two queries, and no writes: a note is
marked read on the Rituals page, where notes live, so the Today page stays a plain read."""

from __future__ import annotations

from django.http import HttpRequest

from repair.models import User
from repair.selectors import CoupleView
from rituals import selectors


def card(*, request: HttpRequest, user: User, couple: CoupleView) -> tuple[str, dict[str, object]]:
    notes = selectors.notes_unread(couple=couple)
    return "rituals/today_card.html", {
        "notes": notes,
        "today_rituals": selectors.rituals_today(couple=couple),
        "couple": couple,
    }
