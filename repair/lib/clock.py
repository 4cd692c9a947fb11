"""A time of day on a person's own clock: in their time zone (the active one, which the
middleware sets from their profile, unless one is given) and in their clock format: 24-hour
("21:30"), 12-hour ("9:30 p.m.") or, unset, the way their language writes times. One helper,
so every page, message and notice shows times alike."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.utils import formats, timezone

# The person's choice (repair.User.clock): "" follows their language.
CLOCK_24 = "24"
CLOCK_12 = "12"
_FORMATS = {CLOCK_24: "H:i", CLOCK_12: "g:i a"}


def clock_format(
    value: datetime | time | None, *, clock: str = "", zone: ZoneInfo | None = None
) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, zone)
    return formats.time_format(value, _FORMATS.get(clock, "TIME_FORMAT"))
