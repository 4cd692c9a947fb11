"""A time of day on a person's own clock: in their time zone (the active one, which the
middleware sets from their profile, unless one is given) and in their clock format, 24-hour
("21:30", the default) or 12-hour ("9:30 p.m."). One helper, so every page, message and notice
shows times alike."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.utils import formats, timezone

# The person's choice (repair.User.clock): "" is 24-hour.
CLOCK_12 = "12"


def clock_format(
    value: datetime | time | None, *, clock: str = "", zone: ZoneInfo | None = None
) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, zone)
    return formats.time_format(value, "g:i a" if clock == CLOCK_12 else "H:i")
