"""When does a recurring reminder fall next? Pure functions of (after, rule, zone): no database.

Times are wall-clock times in the person's own zone. Across daylight-saving changes a 07:30 reminder
stays at 07:30 local. A time that does not exist on a spring-forward day (02:30 when clocks jump from
02:00 to 03:00) falls once, just after the jump; a time that happens twice on a fall-back day falls
once, at its first occurrence.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Rule:
    cadence: str  # daily | weekly | monthly
    at: time
    weekday: int | None = None  # weekly: 0 = Monday
    day_of_month: int | None = None  # monthly: 1-31, the last day of shorter months


def _falls_on(rule: Rule, day: date) -> bool:
    if rule.cadence == "daily":
        return True
    if rule.cadence == "weekly":
        return day.weekday() == rule.weekday
    if rule.cadence == "monthly":
        wanted = rule.day_of_month or 1
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(wanted, last)
    raise ValueError(f"unknown cadence {rule.cadence!r}")


def occurrences(*, rule: Rule, start: date, end: date) -> list[date]:
    """Every local day from ``start`` to ``end`` (both included) on which ``rule`` falls: what a
    calendar shows. Days only; the time of day is the rule's own."""
    days = []
    day = start
    while day <= end:
        if _falls_on(rule, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def wall_clock(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of ``at`` on ``day`` in ``zone``. zoneinfo reads a time in a spring-forward gap
    with the offset from before the jump, which lands the same distance past it (02:30 → 03:30):
    it still happens, once. A time that happens twice (fall back) is taken at its first occurrence
    (fold=0)."""
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_due(*, after: datetime, rule: Rule, zone: ZoneInfo) -> datetime:
    """The first occurrence strictly after ``after`` (an aware datetime), as an aware UTC datetime."""
    start = after.astimezone(zone).date()
    for offset in range(0, 400):
        day = start + timedelta(days=offset)
        if not _falls_on(rule, day):
            continue
        candidate = wall_clock(day, rule.at, zone)
        if candidate > after:
            return candidate
    raise ValueError("no occurrence within a year")


def in_quiet_hours(
    *, moment: datetime, start: time | None, end: time | None, zone: ZoneInfo
) -> bool:
    """Whether ``moment`` falls in the person's quiet hours (which may wrap past midnight)."""
    if start is None or end is None or start == end:
        return False
    local = moment.astimezone(zone).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end
