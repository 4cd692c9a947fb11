"""``{{ moment|clock:user }}``: a time of day on the person's own clock (``repair.lib.clock``)."""

from __future__ import annotations

from datetime import datetime, time

from django import template

from repair.lib.clock import clock_format, person_clock

register = template.Library()


@register.filter
def clock(value: datetime | time | None, user: object = None) -> str:
    return clock_format(value, clock=person_clock(user))
