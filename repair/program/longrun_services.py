"""Writes for the long run: answering a prompt of the bank, setting one aside, and a person's part
of a seasonal check-back. Like repair/program/services.py, each takes the signed-in person's
couple and raises ``ProgramActionError`` with a code the view turns into a kind message."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from repair.couples.models import Couple
from repair.couples.selectors import CoupleView
from repair.program.bank import WEIGHTS, bank
from repair.program.longrun_selectors import (
    SEASONS,
    agreements_in_force,
    check_backs,
    lane_draws,
    sustaining_opened_at,
)
from repair.program.models import BankAnswer, BankDraw, CheckBack
from repair.program.services import ProgramActionError

ANSWER_LONGEST = 5_000
REFLECTION_LONGEST = 5_000
HOPE_LONGEST = 200


def _lock(couple: CoupleView) -> None:
    """One writer at a time per couple, so two answers arriving together draw the same prompt."""
    Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()


def _open_lane(couple: CoupleView, prompt_id: str) -> tuple[str, str]:
    if sustaining_opened_at(couple=couple) is None:
        raise ProgramActionError("locked")
    prompt = bank().prompt(prompt_id)
    if prompt is None or prompt.weight not in WEIGHTS:
        raise ProgramActionError("moved_on")
    return prompt.theme, prompt.weight


def _current_draw(
    couple: CoupleView, prompt_id: str, theme: str, weight: str, now: datetime
) -> BankDraw:
    """The lane's open draw if it is this prompt, or a new draw if this is the lane's next prompt;
    anything else is a page left open while the lane moved on."""
    state = lane_draws(couple=couple, theme=theme, weight=weight)
    if state.open_draw is not None:
        if state.open_draw[1] != prompt_id:
            raise ProgramActionError("moved_on")
        return BankDraw.objects.get(pk=state.open_draw[0])
    if state.next_prompt.id != prompt_id:
        raise ProgramActionError("moved_on")
    return BankDraw.objects.create(
        couple=couple.couple,
        prompt=prompt_id,
        theme=theme,
        weight=weight,
        round=state.round,
        drawn_at=now,
    )


def bank_answer(
    *, couple: CoupleView, prompt_id: str, text: str, now: datetime | None = None
) -> BankDraw:
    """Answer the lane's current prompt privately (or change the answer while the partner hasn't
    answered). The second answer reveals both, and from then on neither changes."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ProgramActionError("empty")
    if len(text) > ANSWER_LONGEST:
        raise ProgramActionError("too_long")
    theme, weight = _open_lane(couple, prompt_id)
    with transaction.atomic():
        _lock(couple)
        try:
            draw = _current_draw(couple, prompt_id, theme, weight, now)
        except ProgramActionError:
            answered = BankAnswer.objects.filter(
                draw__couple=couple.couple,
                draw__prompt=prompt_id,
                draw__revealed_at__isnull=False,
                user=couple.me,
            ).exists()
            raise ProgramActionError("already_revealed" if answered else "moved_on") from None
        BankAnswer.objects.update_or_create(
            draw=draw, user=couple.me, defaults={"text": text, "answered_at": now}
        )
        if couple.partner and BankAnswer.objects.filter(draw=draw, user=couple.partner).exists():
            draw.revealed_at = now
            draw.save(update_fields=["revealed_at"])
    return draw


def bank_set_aside(*, couple: CoupleView, prompt_id: str, now: datetime | None = None) -> None:
    """Put the lane's current prompt aside, for both, without a reason: it counts as used in this
    round and is never revealed, whoever had answered it (so setting aside tells nobody
    anything). Each keeps their own answer, if they wrote one."""
    now = now or timezone.now()
    theme, weight = _open_lane(couple, prompt_id)
    with transaction.atomic():
        _lock(couple)
        draw = _current_draw(couple, prompt_id, theme, weight, now)
        draw.set_aside_at = now
        draw.save(update_fields=["set_aside_at"])


def check_back_save(
    *,
    couple: CoupleView,
    months: int,
    reflection: str,
    hope: str,
    send: bool,
    still_right: list[str] | None = None,
    now: datetime | None = None,
) -> CheckBack:
    """Save this person's part of a check-back that is due: the reflection (theirs alone, which
    they can change any time) and the line for the next season, sent when ``send``. Once both
    lines are sent they are shown side by side and neither changes."""
    now = now or timezone.now()
    if months not in SEASONS:
        raise ProgramActionError("not_found")
    reflection, hope = reflection.strip(), " ".join(hope.split())
    if len(reflection) > REFLECTION_LONGEST:
        raise ProgramActionError("too_long")
    if len(hope) > HOPE_LONGEST:
        raise ProgramActionError("hope_long")
    if send and not hope:
        raise ProgramActionError("hope_empty")
    season = next((c for c in check_backs(couple=couple, now=now) if c.months == months), None)
    # Only agreements in force can be marked; anything else sent is dropped.
    in_force = {a.exercise.slug for a in agreements_in_force(couple=couple)}
    marked = sorted({slug for slug in still_right or [] if slug in in_force})
    if season is None or not season.due:
        raise ProgramActionError("not_yet")
    with transaction.atomic():
        row, _ = CheckBack.objects.select_for_update().get_or_create(
            couple=couple.couple, user=couple.me, months=months
        )
        partner_sent = bool(
            couple.partner
            and CheckBack.objects.filter(
                couple=couple.couple, user=couple.partner, months=months, sent_at__isnull=False
            ).exists()
        )
        if row.sent_at and partner_sent:
            hope = row.hope  # shown side by side already: it stays as it was
        elif row.sent_at and not hope:
            raise ProgramActionError("hope_empty")
        row.reflection = reflection
        row.hope = hope
        row.still_right = marked
        row.updated_at = now
        if send and row.sent_at is None:
            row.sent_at = now
        row.save()
    return row
