"""One time format per person: 12-hour ("7:30 pm") or 24-hour ("19:30"), chosen in Settings or,
until then, taken from their language. Pages use the ``clock`` filter
(``{% load clock %}{{ value|clock:user }}``, repair/couples/templatetags/clock.py); emails and other
Python code call ``clock_format`` with the person's ``hour12``."""

from __future__ import annotations

from datetime import datetime, time

# Where people mostly read a 12-hour clock: these language tags, and these languages in any
# region. Everything else (en-GB, de, fr...) gets 24 hours.
TWELVE_HOUR_TAGS = frozenset({"en", "en-us", "en-au", "en-ca", "en-nz", "en-in", "en-ph"})
TWELVE_HOUR_LANGUAGES = frozenset({"hi", "ur", "ar", "bn", "ko", "fil", "tl"})


def hour12_for(*, time_format: str, language: str) -> bool:
    """``time_format`` is "12", "24" or "" (follow the language)."""
    if time_format in ("12", "24"):
        return time_format == "12"
    tag = (language or "").lower()
    return tag in TWELVE_HOUR_TAGS or tag.split("-", 1)[0] in TWELVE_HOUR_LANGUAGES


def clock_format(value: time | datetime, *, hour12: bool) -> str:
    """ "7:30 pm" or "19:30" (a datetime should already be in the person's own time zone)."""
    if hour12:
        hour = value.hour % 12 or 12
        suffix = "am" if value.hour < 12 else "pm"
        return f"{hour}:{value.minute:02d} {suffix}"
    return f"{value.hour:02d}:{value.minute:02d}"
