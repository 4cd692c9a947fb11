"""Reads for the long run: the prompt bank and the seasonal check-backs, both of the Sustaining
stage. As in repair/program/selectors.py, what a partner may see of the other is decided here
and only here: a bank answer only once both have answered that prompt (a prompt set aside is
never revealed); of a check-back, the partner's one line for the next season once both have sent
theirs, and never their reflection."""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Q

from repair.couples.selectors import CoupleView
from repair.program.bank import WEIGHTS, Prompt, Theme, bank
from repair.program.content import Exercise, program
from repair.program.models import (
    AgreementVersion,
    BankAnswer,
    BankDraw,
    CheckBack,
    StageReadiness,
)
from repair.program.selectors import ProgramState, program_state

# The stage the long run belongs to, and the one whose completion opens it.
SUSTAINING = "sustaining"
BEFORE_SUSTAINING = "meaning"
# Months after Sustaining opened when a check-back comes due.
SEASONS = (1, 3, 6, 12)
# The exercise the check-back offers for revisiting the couple's story.
STORY_EXERCISE = "meaning-our-new-story"
# How many answered prompts the "revealed together" page shows at once.
PAST_PAGE = 30


def sustaining_opened_at(
    *, couple: CoupleView, progress: ProgramState | None = None
) -> datetime | None:
    """When the Sustaining stage opened for this couple: the second of their two "I'm ready" for
    the stage before it (the moment that opened it), or None while it is closed."""
    progress = progress or program_state(couple=couple)
    stage = progress.stage(SUSTAINING)
    if stage is None or not stage.unlocked or couple.partner is None:
        return None
    times = list(
        StageReadiness.objects.filter(
            couple=couple.couple,
            stage=BEFORE_SUSTAINING,
            user__in=[couple.me, couple.partner],
        ).values_list("ready_at", flat=True)
    )
    return max(times) if len(times) == 2 else None  # both partners


# --- the prompt bank ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawView:
    """A prompt as this person may see it: their own answer, and the partner's only when both
    answers are in (``partner`` is filled for a revealed draw and nothing else)."""

    prompt: Prompt
    draw_id: int | None = None
    mine: str = ""
    mine_at: datetime | None = None
    partner: str | None = None
    partner_at: datetime | None = None
    revealed_at: datetime | None = None
    set_aside_at: datetime | None = None

    @property
    def revealed(self) -> bool:
        return self.revealed_at is not None


@dataclass(frozen=True)
class Lane:
    theme: Theme
    weight: str
    # The prompt to answer now: the open one, else the next one not used in this round.
    current: DrawView
    # The last prompt revealed in this lane (shown above the new one).
    last_revealed: DrawView | None
    # New prompts left in this round before any comes back.
    left_in_round: int

    @property
    def weight_label(self) -> str:
        return str(WEIGHTS[self.weight])


def _order(*, couple_id: int, lane: tuple[Prompt, ...], round_: int) -> list[Prompt]:
    """The lane's prompts in this couple's order for one round: a fixed shuffle, different for
    each couple, lane and round, the same every time it is worked out."""

    def key(prompt: Prompt) -> str:
        seed = f"{couple_id}:{prompt.theme}:{prompt.weight}:{round_}:{prompt.id}"
        return hashlib.sha256(seed.encode()).hexdigest()

    return sorted(lane, key=key)


@dataclass(frozen=True)
class LaneDraws:
    """Where a lane stands, from its draws: the open draw, else the next prompt and its round."""

    open_draw: tuple[int, str] | None
    next_prompt: Prompt
    round: int
    left_in_round: int
    last_revealed_id: int | None


def lane_draws(*, couple: CoupleView, theme: str, weight: str) -> LaneDraws:
    """One query: the lane's draws, oldest first. Nothing is repeated before the lane is used up:
    the next prompt is the first, in this round's order, not drawn in this round."""
    lane = bank().lane(theme, weight)
    rows = list(
        BankDraw.objects.filter(couple=couple.couple, theme=theme, weight=weight)
        .order_by("drawn_at", "pk")
        .values_list("pk", "prompt", "round", "revealed_at", "set_aside_at")
    )
    open_draw = next(
        ((pk, p) for pk, p, _, rev, aside in rows if rev is None and aside is None), None
    )
    revealed = [(rev, pk) for pk, _, _, rev, _ in rows if rev is not None]
    last_revealed_id = max(revealed)[1] if revealed else None
    ids = {p.id for p in lane}
    round_ = max((r for _, _, r, _, _ in rows), default=1)
    used = {p for _, p, r, _, _ in rows if r == round_} & ids
    if used >= ids:
        round_, used = round_ + 1, set()
    order = [
        p for p in _order(couple_id=couple.couple.pk, lane=lane, round_=round_) if p.id not in used
    ]
    return LaneDraws(
        open_draw=open_draw,
        next_prompt=order[0],
        round=round_,
        left_in_round=len(order),
        last_revealed_id=last_revealed_id,
    )


def _draw_views(couple: CoupleView, draws: list[BankDraw]) -> dict[int, DrawView]:
    """Each draw as this person may see it (one query for the answers, however many draws)."""
    answers = BankAnswer.objects.filter(draw__in=[d.pk for d in draws]).only(
        "draw_id", "user_id", "text", "answered_at"
    )
    by_draw: dict[int, dict[int, BankAnswer]] = {}
    for answer in answers:
        by_draw.setdefault(answer.draw_id, {})[answer.user_id] = answer
    views = {}
    for draw in draws:
        prompt = bank().prompt(draw.prompt)
        if prompt is None:  # retired since: kept in the data, no longer shown
            continue
        found = by_draw.get(draw.pk, {})
        mine = found.get(couple.me.pk)
        theirs = found.get(couple.partner.pk) if couple.partner else None
        # The partner's words leave this function only for a revealed draw.
        shown = theirs if draw.revealed_at is not None and theirs is not None else None
        views[draw.pk] = DrawView(
            prompt=prompt,
            draw_id=draw.pk,
            mine=mine.text if mine else "",
            mine_at=mine.answered_at if mine else None,
            partner=shown.text if shown else None,
            partner_at=shown.answered_at if shown else None,
            revealed_at=draw.revealed_at,
            set_aside_at=draw.set_aside_at,
        )
    return views


def bank_lane(*, couple: CoupleView, theme: str, weight: str) -> Lane:
    """A lane of the bank as this person sees it, in three queries however long the history."""
    found = bank().theme(theme)
    if found is None or weight not in WEIGHTS:
        raise ValueError(f"no lane {theme!r}, {weight!r}")
    state = lane_draws(couple=couple, theme=theme, weight=weight)
    wanted = [pk for pk in (state.open_draw and state.open_draw[0], state.last_revealed_id) if pk]
    draws = list(BankDraw.objects.filter(pk__in=wanted)) if wanted else []
    views = _draw_views(couple, draws) if draws else {}
    current = views.get(state.open_draw[0]) if state.open_draw else None
    if current is None:
        current = DrawView(prompt=state.next_prompt)
    last = views.get(state.last_revealed_id) if state.last_revealed_id else None
    return Lane(
        theme=found,
        weight=weight,
        current=current,
        last_revealed=last,
        left_in_round=state.left_in_round,
    )


def bank_latest_lane(*, couple: CoupleView) -> tuple[str, str] | None:
    """The lane of the couple's most recent draw, to open the bank where they left it."""
    row = (
        BankDraw.objects.filter(couple=couple.couple)
        .order_by("-drawn_at", "-pk")
        .values_list("theme", "weight")
        .first()
    )
    if row is None or bank().theme(row[0]) is None or row[1] not in WEIGHTS:
        return None
    return row


@dataclass(frozen=True)
class PastPage:
    draws: list[DrawView]
    # Where the next, older page starts (a draw id), or None on the last page.
    older: int | None


def bank_past(*, couple: CoupleView, before: int | None = None, limit: int = PAST_PAGE) -> PastPage:
    """The prompts answered before, newest first, a page at a time (``before``: a draw id from the
    page before): revealed ones with both answers; ones set aside with this person's own answer
    only (if they wrote one). Two queries, however long the history."""
    rows = BankDraw.objects.filter(couple=couple.couple).filter(
        Q(revealed_at__isnull=False) | Q(set_aside_at__isnull=False)
    )
    if before is not None:
        rows = rows.filter(pk__lt=before)
    draws = list(rows.order_by("-pk")[: limit + 1])
    older = draws[limit - 1].pk if len(draws) > limit else None
    draws = draws[:limit]
    views = _draw_views(couple, draws) if draws else {}
    return PastPage(
        draws=[
            views[d.pk]
            for d in draws
            if d.pk in views and (d.revealed_at is not None or views[d.pk].mine)
        ],
        older=older,
    )


# --- seasonal check-backs -------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day where it is shorter (31 January and
    one month: 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def season_due_on(*, opened_at: datetime, months: int, zone: ZoneInfo) -> date:
    """The day a check-back comes due, on this person's calendar: ``months`` after the local day
    Sustaining opened on."""
    return add_months(opened_at.astimezone(zone).date(), months)


@dataclass(frozen=True)
class CheckBackView:
    months: int
    due_on: date
    due: bool
    mine: CheckBack | None
    # The partner's line for the next season: only once both have sent theirs.
    partner_hope: str | None = None

    @property
    def sent(self) -> bool:
        return self.mine is not None and self.mine.sent_at is not None

    @property
    def revealed(self) -> bool:
        return self.partner_hope is not None


def check_backs(
    *, couple: CoupleView, now: datetime, progress: ProgramState | None = None
) -> list[CheckBackView]:
    """The four check-backs for this person, with their due days in their own time zone; empty
    while Sustaining is closed. Three queries."""
    opened_at = sustaining_opened_at(couple=couple, progress=progress)
    if opened_at is None:
        return []
    zone = couple.me.zoneinfo
    today = now.astimezone(zone).date()
    rows = list(CheckBack.objects.filter(couple=couple.couple, months__in=SEASONS))
    views = []
    for months in SEASONS:
        mine = next((r for r in rows if r.user_id == couple.me.pk and r.months == months), None)
        theirs = next(
            (
                r
                for r in rows
                if couple.partner and r.user_id == couple.partner.pk and r.months == months
            ),
            None,
        )
        due_on = season_due_on(opened_at=opened_at, months=months, zone=zone)
        both_sent = bool(mine and mine.sent_at and theirs and theirs.sent_at)
        views.append(
            CheckBackView(
                months=months,
                due_on=due_on,
                due=today >= due_on,
                mine=mine,
                # Only the line: the partner's reflection never leaves this function.
                partner_hope=theirs.hope if both_sent and theirs else None,
            )
        )
    return views


def check_back_card(
    *, couple: CoupleView, now: datetime, progress: ProgramState | None = None
) -> CheckBackView | None:
    """The check-back to offer on Today and the program page: the latest one due, while this
    person has not sent their part of it."""
    due = [c for c in check_backs(couple=couple, now=now, progress=progress) if c.due]
    latest = due[-1] if due else None
    return latest if latest is not None and not latest.sent else None


def check_back_due_at(*, due_on: date, zone: ZoneInfo) -> datetime:
    """The moment a check-back comes due: the start of its day where the person is."""
    return datetime.combine(due_on, time(0), tzinfo=zone)


@dataclass(frozen=True)
class AgreementInForce:
    exercise: Exercise
    version: AgreementVersion


def agreements_in_force(*, couple: CoupleView) -> list[AgreementInForce]:
    """The couple's agreements as they stand (the newest version in force of each), in the
    program's order. One query, however many versions they have made."""
    rows = AgreementVersion.objects.filter(couple=couple.couple, in_force_at__isnull=False).only(
        "exercise", "direction", "number", "review_on", "in_force_at"
    )
    newest: dict[tuple[str, int], AgreementVersion] = {}
    for row in rows:
        key = (row.exercise, row.direction)
        if key not in newest or row.number > newest[key].number:
            newest[key] = row
    found = []
    for exercise in program().exercises:
        for (slug, _), version in sorted(newest.items(), key=lambda kv: kv[0][1]):
            if slug == exercise.slug:
                found.append(AgreementInForce(exercise=exercise, version=version))
    return found
