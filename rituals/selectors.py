"""Reads for rituals: the couple's scheduled rituals, the commitments calendar,
milestones and gratitude notes.

Marks are personal: each person sees and counts only their own, never their partner's. Every read
starts from the signed-in person's couple (a ``CoupleView``), never from an id in a request alone.
"""

from __future__ import annotations

import calendar
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from checkins.models import CheckIn
from repair.couples.models import User
from repair.couples.selectors import CoupleView
from repair.lib.clock import clock_format
from repair.program.content import program
from repair.program.models import AgreementVersion, Commitment, Conversation
from repair.program.selectors import program_state
from rituals.library import BY_SLUG, FAMILIES
from rituals.library import Ritual as LibraryRitual
from rituals.models import (
    Cadence,
    GratitudeNote,
    OccurrenceMark,
    OccurrenceStatus,
    Proposal,
    ScheduledRitual,
)
from rituals.schedule import occurrences

VIEWS = ("week", "month")
DEFAULT_VIEW = "week"


FAMILY_LABELS: dict[str, StrOrPromise] = {
    "daily": gettext_lazy("Daily"),
    "weekly": gettext_lazy("Weekly"),
    "monthly": gettext_lazy("Monthly"),
}


@functools.cache
def _family_labels(language: str | None) -> dict[str, str]:
    """The labels translated once per language (a month grid asks for them a hundred times)."""
    return {family: str(label) for family, label in FAMILY_LABELS.items()}


# How far the calendar goes either way: far enough for anyone, near enough that date maths on a
# hand-typed year 1 or 9999 can never overflow.
CALENDAR_REACH = timedelta(days=3660)
RECENT_NOTES = 10
# Milestones, computed from what is already there: nothing is stored, nothing can be "lost".
FIRST_WEEK_CHECKINS = 7
MONTH_OF_RITUALS_WEEKS = 4


# --- scheduled rituals ----------------------------------------------------------------------------


def includes(ritual: ScheduledRitual, user: User) -> bool:
    """Whether the ritual is this person's to keep: one for both partners, or one just for them."""
    return ritual.person_id is None or ritual.person_id == user.pk


def rituals_for_couple(*, couple: CoupleView) -> list[ScheduledRitual]:
    """The couple's rituals that have not been stopped (active, paused, and suggestions for both
    still waiting for a yes), oldest first. One the partner let pass is shown only to the person
    who suggested it; the one who let it pass no longer sees it."""
    return list(
        ScheduledRitual.objects.filter(couple=couple.couple, stopped_at__isnull=True)
        .exclude(Q(proposal=Proposal.NOT_NOW) & ~Q(created_by=couple.me))
        .order_by("created_at", "pk")
    )


def asked_of_me(ritual: ScheduledRitual, user: User) -> bool:
    """A ritual for both that the partner suggested and that waits for this person's answer."""
    return ritual.is_waiting and ritual.person_id is None and ritual.created_by_id != user.pk


def ritual_for_couple(*, couple: CoupleView, ritual_id: int) -> ScheduledRitual | None:
    """One ritual of the person's own couple (not stopped), or None: another couple's is never
    found."""
    return ScheduledRitual.objects.filter(
        couple=couple.couple, pk=ritual_id, stopped_at__isnull=True
    ).first()


def schedule_text(ritual: ScheduledRitual, *, clock: str = "") -> str:
    """ "Every Sunday at 19:00", in words a person would use, on their own clock."""
    at = clock_format(ritual.local_time, clock=clock)
    if ritual.cadence == Cadence.WEEKLY and ritual.weekday is not None:
        return _("Every %(day)s at %(time)s") % {"day": WEEKDAYS[ritual.weekday], "time": at}
    if ritual.cadence == Cadence.MONTHLY:
        return _("Every month on day %(day)s at %(time)s") % {
            "day": ritual.day_of_month or 1,
            "time": at,
        }
    return _("Every day at %(time)s") % {"time": at}


def whose(ritual: ScheduledRitual, couple: CoupleView) -> str:
    """For whom, as the viewer sees it: both, me or partner."""
    if ritual.person_id is None:
        return "both"
    return "me" if ritual.person_id == couple.me.pk else "partner"


@dataclass(frozen=True)
class RitualRow:
    ritual: ScheduledRitual
    library: LibraryRitual | None
    whose: str
    mine: bool
    schedule: str
    # on | asked_me (the partner suggested it; waits for my yes) | asked_partner (I suggested it;
    # waits for theirs) | not_now (I suggested it; the partner let it pass for now)
    state: str = "on"

    @property
    def title(self) -> StrOrPromise:
        return self.library.title if self.library else _("A ritual")

    @property
    def family(self) -> str:
        return self.ritual.cadence

    @property
    def family_label(self) -> StrOrPromise:
        return FAMILY_LABELS.get(self.ritual.cadence, "")

    @property
    def paused(self) -> bool:
        return self.ritual.paused_at is not None


def my_marks(*, couple: CoupleView) -> dict[tuple[int, date], str]:
    """All of this person's own marks on their couple's rituals: (ritual id, day) -> status. One
    query, whatever the number of rituals."""
    return {
        (ritual_id, day): status
        for ritual_id, day, status in OccurrenceMark.objects.filter(
            user=couple.me, ritual__couple=couple.couple
        ).values_list("ritual_id", "date", "status")
    }


def mark_for(*, couple: CoupleView, ritual: ScheduledRitual, day: date) -> str:
    """This person's own mark for one occurrence, or ""."""
    found = (
        OccurrenceMark.objects.filter(ritual=ritual, user=couple.me, date=day)
        .values_list("status", flat=True)
        .first()
    )
    return found or ""


def ritual_rows(
    *,
    couple: CoupleView,
    rituals: Iterable[ScheduledRitual],
) -> list[RitualRow]:
    """The couple's rituals as this person sees them. No count of kept days: a mark is for the
    person's own noticing, and an unmarked day counts for nothing."""
    rows = []
    for ritual in rituals:
        mine = includes(ritual, couple.me)
        rows.append(
            RitualRow(
                ritual=ritual,
                library=BY_SLUG.get(ritual.ritual),
                whose=whose(ritual, couple),
                mine=mine,
                schedule=schedule_text(ritual, clock=couple.me.time_clock),
                state=_state(ritual, couple.me),
            )
        )
    return rows


def _state(ritual: ScheduledRitual, me: User) -> str:
    if ritual.is_accepted:
        return "on"
    if asked_of_me(ritual, me):
        return "asked_me"
    return "asked_partner" if ritual.is_waiting else "not_now"


@dataclass(frozen=True)
class TodayRituals:
    rows: list[RitualRow]  # this person's rituals that fall on their today, earliest first
    asks: list[RitualRow]  # rituals for both the partner suggested, waiting for this person's yes


def rituals_today(*, couple: CoupleView, now: datetime | None = None) -> list[RitualRow]:
    """This person's active rituals that fall on their own today, earliest first (one query)."""
    return today_rituals(couple=couple, now=now).rows


def today_rituals(*, couple: CoupleView, now: datetime | None = None) -> TodayRituals:
    """For Today, in one query: this person's accepted, running rituals that fall on their own
    today, earliest first, and the partner's suggestions waiting for their answer."""
    today = couple.me.local_today(now=now)
    found = list(
        ScheduledRitual.objects.filter(
            couple=couple.couple,
            paused_at__isnull=True,
            stopped_at__isnull=True,
            proposal__in=[Proposal.ACCEPTED, Proposal.WAITING],
        )
    )
    active = [
        ritual
        for ritual in found
        if ritual.is_accepted
        and includes(ritual, couple.me)
        and couple.me.local_today(ritual.starts_at) <= today
        and occurrences(rule=ritual.rule, start=today, end=today)
    ]
    active.sort(key=lambda ritual: ritual.local_time)
    asks = sorted(
        (ritual for ritual in found if asked_of_me(ritual, couple.me)),
        key=lambda ritual: (ritual.created_at, ritual.pk),
    )
    return TodayRituals(
        rows=[
            RitualRow(
                ritual=ritual,
                library=BY_SLUG.get(ritual.ritual),
                whose=whose(ritual, couple),
                mine=True,
                schedule=schedule_text(ritual, clock=couple.me.time_clock),
            )
            for ritual in active
        ],
        asks=ritual_rows(couple=couple, rituals=asks),
    )


def first_day_on_or_after(*, ritual: ScheduledRitual, day: date) -> date:
    """The first local day from ``day`` on which the ritual falls (within a month and a bit)."""
    found = occurrences(rule=ritual.rule, start=day, end=day + timedelta(days=31))
    return found[0] if found else day


# --- the calendar --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One thing on one day of the calendar."""

    day: date
    family: str  # daily | weekly | monthly: the colour, the shape and the label
    kind: str  # ritual | checkin | review | commitment
    title: StrOrPromise
    url: str
    detail: StrOrPromise = ""
    at: time | None = None
    ritual_id: int | None = None
    whose: str = ""  # for rituals: both | me | partner
    mark: str = ""  # this person's own mark, if any
    can_mark: bool = False
    mark_url: str = ""  # where a ritual's mark form posts
    done: bool = False  # for a check-in: made that day
    ref: str = ""  # for a review or a commitment note: what it is of (two can share a day)

    @property
    def key(self) -> str:
        """An id unique on the page, stable across an htmx swap (so focus comes back to it)."""
        return f"entry-{self.kind}-{self.ritual_id or self.ref or 0}-{self.day:%Y%m%d}"

    @property
    def family_label(self) -> str:
        return _family_labels(get_language())[self.family]

    @property
    def mark_label(self) -> StrOrPromise:
        return OccurrenceStatus(self.mark).label if self.mark else ""

    @property
    def statuses(self) -> list[tuple[str, StrOrPromise]]:
        return list(OccurrenceStatus.choices)


_KIND_ORDER = {"checkin": 0, "ritual": 1, "commitment": 2, "review": 3}


@dataclass
class CalendarDay:
    day: date
    in_period: bool
    is_today: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def families(self) -> list[str]:
        present = {entry.family for entry in self.entries}
        return [family for family in FAMILIES if family in present]

    @property
    def summary(self) -> str:
        """The day's entries in words, for screen readers in the month grid."""
        return ", ".join(f"{entry.title} ({entry.family_label})" for entry in self.entries)

    @property
    def agenda_entries(self) -> list[Entry]:
        """What the month view lists under the grid: weekly and monthly things (the daily ones
        are in the grid and in the week view)."""
        return [entry for entry in self.entries if entry.family != "daily"]


@dataclass
class CalendarPage:
    view: str
    anchor: date
    today: date
    start: date
    end: date
    previous: date
    following: date
    weeks: list[list[CalendarDay]] = field(default_factory=list)

    @property
    def days(self) -> list[CalendarDay]:
        return [day for week in self.weeks for day in week]

    @property
    def month_start(self) -> date:
        return self.anchor.replace(day=1)

    @property
    def month_agenda(self) -> list[CalendarDay]:
        return [d for d in self.days if d.in_period and d.agenda_entries]

    @property
    def has_daily(self) -> bool:
        return any(entry.family == "daily" for day in self.days for entry in day.entries)


def calendar_anchor(*, user: User, day: date | None, now: datetime | None = None) -> date:
    """The day a calendar page is about: the one asked for if it is within reach, else today."""
    today = user.local_today(now=now)
    if day is None or abs(day - today) > CALENDAR_REACH:
        return today
    return day


def calendar_page(
    *, couple: CoupleView, view: str, day: date | None, now: datetime | None = None
) -> CalendarPage:
    """The month or week around ``day``, with everything on it, in five queries whatever the
    number of rituals, marks, check-ins, agreements and conversations."""
    user = couple.me
    today = user.local_today(now=now)
    anchor = calendar_anchor(user=user, day=day, now=now)
    if view == "month":
        first = anchor.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=6 - last.weekday())
        previous = (first - timedelta(days=1)).replace(day=1)
        following = last + timedelta(days=1)
    else:
        view = "week"
        start = anchor - timedelta(days=anchor.weekday())
        end = start + timedelta(days=6)
        first, last = start, end
        previous, following = start - timedelta(days=7), start + timedelta(days=7)

    entries: dict[date, list[Entry]] = defaultdict(list)
    for entry in (
        *_ritual_entries(couple=couple, start=start, end=end, today=today),
        *_checkin_entries(user=user, start=start, end=end, today=today),
        *_review_entries(couple=couple, start=start, end=end),
        *_commitment_entries(couple=couple, start=start, end=end),
    ):
        entries[entry.day].append(entry)

    page = CalendarPage(
        view=view,
        anchor=anchor,
        today=today,
        start=start,
        end=end,
        previous=previous,
        following=following,
    )
    day_ = start
    week: list[CalendarDay] = []
    while day_ <= end:
        found = sorted(
            entries.get(day_, []),
            key=lambda e: (_KIND_ORDER[e.kind], e.at or time.max, str(e.title)),
        )
        week.append(
            CalendarDay(
                day=day_, in_period=first <= day_ <= last, is_today=day_ == today, entries=found
            )
        )
        if len(week) == 7:
            page.weeks.append(week)
            week = []
        day_ += timedelta(days=1)
    return page


def ritual_entry(*, couple: CoupleView, ritual: ScheduledRitual, day: date, mark: str) -> Entry:
    """One ritual's entry on one day, as the calendar shows it (for an htmx swap after a mark)."""
    today = couple.me.local_today()
    return _entry_for(ritual=ritual, couple=couple, day=day, today=today, mark=mark)


def _entry_for(
    *,
    ritual: ScheduledRitual,
    couple: CoupleView,
    day: date,
    today: date,
    mark: str,
    parts: tuple[str, str, str] | None = None,
) -> Entry:
    """``parts``: the ritual's link, its mark form's address and its title in the current language,
    when the caller already has them (a month has dozens of entries for a handful of rituals)."""
    link, mark_url, title = parts or _ritual_parts(ritual)
    return Entry(
        day=day,
        family=ritual.cadence,
        kind="ritual",
        title=title,
        url=link,
        at=ritual.local_time,
        ritual_id=ritual.pk,
        whose=whose(ritual, couple),
        mark=mark,
        can_mark=includes(ritual, couple.me) and day <= today,
        mark_url=mark_url,
    )


def _ritual_parts(ritual: ScheduledRitual, index: str | None = None) -> tuple[str, str, str]:
    index = index if index is not None else reverse("rituals:index")
    library = BY_SLUG.get(ritual.ritual)
    return (
        f"{index}#ritual-{ritual.pk}",
        reverse("rituals:mark", args=[ritual.pk]),
        str(library.title) if library else _("A ritual"),
    )


def _ritual_entries(*, couple: CoupleView, start: date, end: date, today: date) -> list[Entry]:
    rituals = ScheduledRitual.objects.filter(
        couple=couple.couple,
        paused_at__isnull=True,
        stopped_at__isnull=True,
        proposal=Proposal.ACCEPTED,  # a suggestion is on nobody's calendar until it is accepted
    )
    marks = {
        (ritual_id, day): status
        for ritual_id, day, status in OccurrenceMark.objects.filter(
            user=couple.me,
            ritual__couple=couple.couple,
            date__range=(start, end),
        ).values_list("ritual_id", "date", "status")
    }
    found = []
    index = reverse("rituals:index")
    for ritual in rituals:
        if ritual.ritual not in BY_SLUG:
            continue  # an entry taken out of the library: nothing to show it with
        since = max(start, couple.me.local_today(ritual.starts_at))
        parts = _ritual_parts(ritual, index)
        for day in occurrences(rule=ritual.rule, start=since, end=end):
            found.append(
                _entry_for(
                    ritual=ritual,
                    couple=couple,
                    day=day,
                    today=today,
                    mark=marks.get((ritual.pk, day), ""),
                    parts=parts,
                )
            )
    return found


def _checkin_entries(*, user: User, start: date, end: date, today: date) -> list[Entry]:
    """The person's own check-ins only. A day without one is simply blank, except today, which
    offers one."""
    days = set(
        CheckIn.objects.filter(user=user, local_date__range=(start, end)).values_list(
            "local_date", flat=True
        )
    )
    title, history = _("Your check-in"), reverse("checkins:history")
    found = [
        Entry(
            day=day,
            family="daily",
            kind="checkin",
            title=title,
            url=f"{history}?month={day:%Y-%m}",
            done=True,
        )
        for day in sorted(days)
    ]
    if start <= today <= end and today not in days:
        found.append(
            Entry(
                day=today,
                family="daily",
                kind="checkin",
                title=title,
                url=reverse("checkins:index"),
            )
        )
    return found


def _review_entries(*, couple: CoupleView, start: date, end: date) -> list[Entry]:
    """The review date of each agreement's version in force (the newest accepted by both)."""
    # One per agreement and run (a partner's own commitments run once per direction of hurt).
    in_force: dict[tuple[str, int], AgreementVersion] = {}
    for version in AgreementVersion.objects.filter(
        couple=couple.couple, in_force_at__isnull=False
    ).only("exercise", "number", "review_on", "direction"):
        known = in_force.get((version.exercise, version.direction))
        if known is None or version.number > known.number:
            in_force[(version.exercise, version.direction)] = version
    found = []
    for version in in_force.values():
        if version.review_on is None or not start <= version.review_on <= end:
            continue
        detail, url = _exercise_link(version.exercise)
        found.append(
            Entry(
                day=version.review_on,
                family="monthly",
                kind="review",
                title=_("Agreement review"),
                detail=detail,
                url=url,
                ref=version.exercise,
            )
        )
    return found


def _exercise_link(slug: str) -> tuple[str, str]:
    """An exercise's title and page, or the program page if the content no longer has it."""
    exercise = program().exercise(slug)
    if exercise is None:
        return "", reverse("program")
    return exercise.title, reverse("program_exercise", args=[exercise.stage, exercise.slug])


def _commitment_entries(*, couple: CoupleView, start: date, end: date) -> list[Entry]:
    """A finished conversation's commitment note, on the local day it ended: the title and a link
    to the exercise, where both partners can read the words they agreed to."""
    zone = couple.me.zoneinfo
    low = datetime.combine(start, time.min, tzinfo=zone)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    conversations = (
        Conversation.objects.filter(
            couple=couple.couple,
            state=Conversation.State.ENDED,
            ended_at__gte=low,
            ended_at__lt=high,
        )
        .filter(Exists(Commitment.objects.filter(conversation=OuterRef("pk"))))
        .only("exercise", "ended_at")
    )
    found = []
    for conversation in conversations:
        if conversation.ended_at is None:
            continue
        detail, url = _exercise_link(conversation.exercise)
        found.append(
            Entry(
                day=couple.me.local_today(conversation.ended_at),
                family="weekly",
                kind="commitment",
                title=_("Commitment note"),
                detail=detail,
                url=url,
                ref=str(conversation.pk),
            )
        )
    return found


# --- milestones ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    key: str
    text: str


def milestones(*, couple: CoupleView, marks: dict[tuple[int, date], str]) -> list[Milestone]:
    """Worth noticing, gently: computed from what is there, so nothing can be lost or broken."""
    found = []
    if CheckIn.objects.filter(user=couple.me).count() >= FIRST_WEEK_CHECKINS:
        found.append(
            Milestone(
                key="first-week",
                text=_("A first week of check-ins: seven times you stopped to notice how you are."),
            )
        )
    for stage in program_state(couple=couple).stages:
        if stage.complete:
            found.append(
                Milestone(
                    key=f"stage-{stage.stage.slug}",
                    text=_("You finished “%(stage)s” together.") % {"stage": stage.stage.title},
                )
            )
    weeks = {
        day.isocalendar()[:2]
        for (_ritual, day), status in marks.items()
        if status == OccurrenceStatus.KEPT
    }
    if len(weeks) >= MONTH_OF_RITUALS_WEEKS:
        found.append(
            Milestone(
                key="month-of-rituals",
                text=_("A month of rituals: four weeks with a ritual kept. That's real care."),
            )
        )
    return found


# --- gratitude notes -----------------------------------------------------------------------------


def notes_unread(*, couple: CoupleView) -> list[GratitudeNote]:
    """Notes from the partner this person hasn't seen yet, oldest first."""
    if couple.partner is None:
        return []
    return list(
        GratitudeNote.objects.filter(
            couple=couple.couple, sender=couple.partner, read_at__isnull=True
        ).order_by("created_at", "pk")
    )


def notes_recent(*, couple: CoupleView, exclude: Iterable[int] = ()) -> list[GratitudeNote]:
    """The couple's latest notes either way (both partners wrote or received them)."""
    return list(
        GratitudeNote.objects.filter(couple=couple.couple)
        .exclude(pk__in=list(exclude))
        .select_related("sender")
        .order_by("-created_at", "-pk")[:RECENT_NOTES]
    )
