"""Reads for check-ins. A partner's check-in is visible only when it is shared, belongs to the
couple both are in now, and that couple is still active; and of it, only the answers its author
chose to share, question by question (``CheckIn.only_shared``): every read of a partner's
check-in here goes through it."""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db.models import Q, QuerySet

from checkins.models import SCALE_FIELDS, SCALE_MIN, CheckIn, CheckinPreferences, Visibility
from repair.couples.models import User
from repair.couples.selectors import CoupleView

TREND_RANGES = (7, 30, 90)


def checkin_for_day(*, user: User, day: date) -> CheckIn | None:
    return (
        CheckIn.objects.filter(user=user, local_date=day)
        .select_related("acknowledgement", "acknowledgement__by")
        .first()
    )


# "Several days" of felt safety at its lowest: this many of the person's latest check-ins, all
# within LOW_SAFETY_WITHIN days of their today.
LOW_SAFETY_DAYS = 3
LOW_SAFETY_WITHIN = 5


def felt_safety_low_for_days(*, user: User, now: datetime | None = None) -> bool:
    """Whether the person's own last few check-ins (``LOW_SAFETY_DAYS`` of them, in the last
    ``LOW_SAFETY_WITHIN`` days) all put felt safety at the lowest point. Read from their own
    check-ins only, shared or not; for the person's own eyes (an offer of the private check)."""
    today = user.local_today(now=now)
    latest = list(
        CheckIn.objects.filter(
            user=user,
            local_date__gt=today - timedelta(days=LOW_SAFETY_WITHIN),
            local_date__lte=today,
            safety__isnull=False,
        )
        .order_by("-local_date")
        .values_list("safety", flat=True)[:LOW_SAFETY_DAYS]
    )
    return len(latest) == LOW_SAFETY_DAYS and all(value == SCALE_MIN for value in latest)


def checkin_last_shared(*, user: User) -> list[str]:
    """The questions the person chose to share last time: the form starts there."""
    last = (
        CheckIn.objects.filter(user=user)
        .order_by("-local_date")
        .values_list("shared_fields", flat=True)
        .first()
    )
    return list(last or [])


def _partner_shared(couple: CoupleView) -> QuerySet[CheckIn]:
    if couple.partner is None or not couple.couple.is_active:
        return CheckIn.objects.none()
    return CheckIn.objects.filter(
        user=couple.partner, couple=couple.couple, visibility=Visibility.SHARED
    )


def partner_checkin_today(*, couple: CoupleView, now: datetime | None = None) -> CheckIn | None:
    """The partner's shared check-in for *their* today, if any."""
    if couple.partner is None:
        return None
    day = couple.partner.local_today(now=now)
    found = _partner_shared(couple).filter(local_date=day).select_related("acknowledgement").first()
    return found.only_shared() if found else None


def partner_checkin_for_ack(*, couple: CoupleView, checkin_id: int) -> CheckIn | None:
    """A check-in the signed-in person may acknowledge: their partner's, shared, in this couple
    (only its shared answers)."""
    found = _partner_shared(couple).filter(pk=checkin_id).first()
    return found.only_shared() if found else None


class TrendPoint(NamedTuple):
    # A tuple, not a frozen dataclass: a 90-day page makes 630 of them, ~6x faster this way.
    day: date
    mine: int | None
    partner: int | None


@dataclass(frozen=True)
class Trend:
    field: str
    points: list[TrendPoint]

    # Each is read a few times a chart; worked out once (a frozen dataclass still has a __dict__).
    @functools.cached_property
    def _mine(self) -> list[int]:
        return [p.mine for p in self.points if p.mine is not None]

    @functools.cached_property
    def _partner(self) -> list[int]:
        return [p.partner for p in self.points if p.partner is not None]

    @property
    def mine_average(self) -> float | None:
        values = self._mine
        return round(sum(values) / len(values), 1) if values else None

    @property
    def partner_average(self) -> float | None:
        values = self._partner
        return round(sum(values) / len(values), 1) if values else None

    @property
    def mine_count(self) -> int:
        return len(self._mine)

    @property
    def partner_count(self) -> int:
        return len(self._partner)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    checked_in: bool
    shared: bool
    is_today: bool


@dataclass
class History:
    today: date
    month_start: date
    days: int
    weeks: list[list[CalendarDay]] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryRows:
    """What the history page is drawn from: the window's dates and the numbers in it, nothing else
    (no notes): plain rows, so no note is ever loaded or decrypted for it."""

    today: date
    month_start: date
    days: int
    # The person's own check-ins in the window: day -> the seven scale values.
    mine: dict[date, tuple[int | None, ...]]
    shared_days: frozenset[date]
    # The partner's shared check-ins over the trend range.
    theirs: dict[date, tuple[int | None, ...]]


def history_rows(
    *,
    user: User,
    couple: CoupleView | None,
    month: date | None,
    days: int,
    now: datetime | None = None,
) -> HistoryRows:
    """The history page's data, in one query whatever the amount of history: the person's own
    check-ins and the partner's shared ones, each over the window the page needs."""
    today = user.local_today(now=now)
    month_start = (month or today).replace(day=1)
    grid_start, grid_end = _calendar_grid(month_start)
    trend_start = today - timedelta(days=days - 1)
    window_start, window_end = min(grid_start, trend_start), max(grid_end, today)

    wanted = Q(user=user, local_date__range=(window_start, window_end))
    partner = couple.partner if couple is not None and couple.couple.is_active else None
    if couple is not None and partner is not None:
        wanted |= Q(
            user=partner,
            couple=couple.couple,
            visibility=Visibility.SHARED,
            local_date__range=(trend_start, today),
        )
    mine: dict[date, tuple[int | None, ...]] = {}
    shared_days: set[date] = set()
    theirs: dict[date, tuple[int | None, ...]] = {}
    for user_id, local_date, visibility, shared_fields, *values in (
        CheckIn.objects.filter(wanted)
        .order_by("local_date")
        .values_list("user_id", "local_date", "visibility", "shared_fields", *SCALE_FIELDS)
    ):
        if user_id != user.pk:
            # Only the answers the partner chose to share; the rest are as if unanswered.
            theirs[local_date] = tuple(
                value if name in shared_fields else None
                for name, value in zip(SCALE_FIELDS, values, strict=True)
            )
            continue
        mine[local_date] = tuple(values)
        if visibility == Visibility.SHARED:
            shared_days.add(local_date)
    return HistoryRows(
        today=today,
        month_start=month_start,
        days=days,
        mine=mine,
        shared_days=frozenset(shared_days),
        theirs=theirs,
    )


def _calendar_grid(month_start: date) -> tuple[date, date]:
    """The Monday before the month's first day and the Sunday after its last."""
    month_end = month_start.replace(day=calendar.monthrange(month_start.year, month_start.month)[1])
    return (
        month_start - timedelta(days=month_start.weekday()),
        month_end + timedelta(days=6 - month_end.weekday()),
    )


def history_build(rows: HistoryRows) -> History:
    """The calendar weeks and the seven trends, from the rows (no queries)."""
    result = History(today=rows.today, month_start=rows.month_start, days=rows.days)
    grid_start, grid_end = _calendar_grid(rows.month_start)
    day = grid_start
    week: list[CalendarDay] = []
    while day <= grid_end:
        week.append(
            CalendarDay(
                day=day,
                in_month=day.month == rows.month_start.month,
                checked_in=day in rows.mine,
                shared=day in rows.shared_days,
                is_today=day == rows.today,
            )
        )
        if len(week) == 7:
            result.weeks.append(week)
            week = []
        day += timedelta(days=1)

    trend_start = rows.today - timedelta(days=rows.days - 1)
    span = [trend_start + timedelta(days=i) for i in range(rows.days)]
    # Each day's two rows looked up once, not once per scale.
    nothing = (None,) * len(SCALE_FIELDS)
    days = [(d, rows.mine.get(d, nothing), rows.theirs.get(d, nothing)) for d in span]
    for index, scale_field in enumerate(SCALE_FIELDS):
        result.trends.append(
            Trend(
                field=scale_field,
                points=[TrendPoint(d, mine[index], theirs[index]) for d, mine, theirs in days],
            )
        )
    return result


def history(
    *,
    user: User,
    couple: CoupleView | None,
    month: date | None,
    days: int,
    now: datetime | None = None,
) -> History:
    """Everything the history page shows (``history_rows`` then ``history_build``)."""
    return history_build(history_rows(user=user, couple=couple, month=month, days=days, now=now))


def checkins_for_export(*, user: User) -> QuerySet[CheckIn]:
    """The person's own check-ins, all of them, oldest first."""
    return (
        CheckIn.objects.filter(user=user)
        .select_related("acknowledgement", "couple")
        .order_by("local_date")
    )


def partner_checkins_shared(*, couple: CoupleView) -> list[CheckIn]:
    """Every check-in the partner shared with this person that they may see now (the same rule as
    the pages: this couple, while active), oldest first, each with only its shared answers."""
    return [
        checkin.only_shared()
        for checkin in _partner_shared(couple)
        .select_related("acknowledgement", "couple")
        .order_by("local_date")
    ]


def preferences_for(*, user: User) -> CheckinPreferences:
    found = CheckinPreferences.objects.filter(user=user).first()
    return found or CheckinPreferences(user=user)


@dataclass(frozen=True)
class WeekCounts:
    mine: int
    partner_shared: int


def week_counts(*, user: User, couple: CoupleView | None, week_start: date) -> WeekCounts:
    """How many check-ins in the week: all of the person's own; only the partner's *shared* ones,
    so not even the existence of a private check-in reaches the other partner."""
    week_end = week_start + timedelta(days=6)
    mine = CheckIn.objects.filter(user=user, local_date__range=(week_start, week_end)).count()
    theirs = 0
    if couple is not None:
        theirs = _partner_shared(couple).filter(local_date__range=(week_start, week_end)).count()
    return WeekCounts(mine=mine, partner_shared=theirs)


def today_pair(
    *, couple: CoupleView, now: datetime | None = None
) -> tuple[CheckIn | None, CheckIn | None]:
    """The person's own check-in for their today and the partner's shared one for theirs, in one
    query (the Today page has a small query budget)."""
    mine_day = couple.me.local_today(now=now)
    wanted = Q(user=couple.me, local_date=mine_day)
    if couple.partner is not None and couple.couple.is_active:
        wanted |= Q(
            user=couple.partner,
            couple=couple.couple,
            visibility=Visibility.SHARED,
            local_date=couple.partner.local_today(now=now),
        )
    rows = list(
        CheckIn.objects.filter(wanted).select_related("acknowledgement", "acknowledgement__by")
    )
    mine = next((c for c in rows if c.user_id == couple.me.pk), None)
    theirs = next((c for c in rows if c.user_id != couple.me.pk), None)
    return mine, theirs.only_shared() if theirs else None
