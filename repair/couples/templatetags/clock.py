"""``{{ value|clock:user }}``: a time in the person's own format (repair/lib/clock.py)."""

from __future__ import annotations

from datetime import datetime, time

from django import template
from django.utils import timezone

from repair.couples.models import User
from repair.lib.clock import clock_format

register = template.Library()


@register.filter
def clock(value: time | datetime | None, user: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and isinstance(user, User):
        value = timezone.localtime(value, user.zoneinfo)
    hour12 = user.hour12 if isinstance(user, User) else True
    return clock_format(value, hour12=hour12)
