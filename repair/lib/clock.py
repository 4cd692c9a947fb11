"""A time of day on a person's own clock: in their time zone (the active one, which the
middleware sets from their profile, unless one is given) and in their clock format, 24-hour
("21:30") or 12-hour ("9:30 p.m."). One helper, so every page, message, notice and email shows
times alike.

The format is the person's own choice (repair.User.clock: "12" or "24") or, left blank, the one
their language reads: the language their browser named when they signed up or last saved
Settings (repair.User.language, a tag like "en-US"). English as written in the United States,
Canada, Australia, New Zealand, India, the Philippines and Pakistan (and plain "en") reads 12-hour;
other English and other languages follow Django's own locale formats; not knowing the language
is 24-hour, which no one misreads."""

from __future__ import annotations

import functools
import re
from datetime import datetime, time
from importlib import import_module
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import to_locale

# The person's choice (repair.User.clock); blank is "as my language reads times".
CLOCK_12 = "12"
CLOCK_24 = "24"

# English regions where a time of day is usually written on a 12-hour clock.
ENGLISH_12_HOUR_REGIONS = frozenset({"", "us", "ca", "au", "nz", "in", "ph", "pk"})

_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


def language_tag(header: str) -> str:
    """The first language a browser's Accept-Language header names ("en-US"), or ""."""
    for part in header.split(","):
        tag = part.split(";", 1)[0].strip().lower().replace("_", "-")
        if tag and tag != "*" and len(tag) <= 35 and _TAG.match(tag):
            return tag
    return ""


@functools.lru_cache(maxsize=64)
def language_clock(language: str) -> str:
    """ "12" or "24": how a time of day is written in this language ("en-us", "de", "")."""
    if not language:
        return CLOCK_24
    parts = language.lower().split("-")
    base = parts[0]
    region = next((p for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
    if base == "en":
        return CLOCK_12 if region in ENGLISH_12_HOUR_REGIONS else CLOCK_24
    for name in ([f"{base}-{region}"] if region else []) + [base]:
        try:
            module = import_module(f"django.conf.locale.{to_locale(name)}.formats")
        except ImportError:
            continue
        pattern = re.sub(r"\\.", "", str(getattr(module, "TIME_FORMAT", "H:i")))  # not "\\h"
        return CLOCK_12 if any(c in pattern for c in "gh") or pattern in {"P", "f"} else CLOCK_24
    return CLOCK_24


def person_clock(person: object) -> str:
    """ "12" or "24" for this person (a User, or anything with ``clock`` and ``language``)."""
    chosen = str(getattr(person, "clock", "") or "")
    if chosen in {CLOCK_12, CLOCK_24}:
        return chosen
    return language_clock(str(getattr(person, "language", "") or ""))


def clock_format(
    value: datetime | time | None, *, clock: str = "", zone: ZoneInfo | None = None
) -> str:
    """``clock`` is "12" or "24" (``person_clock``); anything else is 24-hour."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, zone)
    return formats.time_format(value, "g:i a" if clock == CLOCK_12 else "H:i")
