"""The long run's screens: the prompt bank (choose a theme and a weight, answer the prompt
privately, see both answers once both are in), the prompts answered before, and a seasonal
check-back. Each page serves its live fragment to htmx."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from repair.couples.access import AuthedRequest, couple_required
from repair.couples.selectors import CoupleView
from repair.program import longrun_selectors as ls
from repair.program import longrun_services
from repair.program.bank import WEIGHTS, bank
from repair.program.content import Stage, program
from repair.program.selectors import ProgramState
from repair.program.services import ProgramActionError

PROBLEMS = {
    "empty": gettext_lazy("There's nothing written yet. Take your time — a few words are enough."),
    "too_long": gettext_lazy("That's longer than we can keep in one piece. Could you shorten it?"),
    "moved_on": gettext_lazy(
        "This prompt has moved on since the page opened. Here is the one for now; anything you "
        "wrote is still in the box."
    ),
    "already_revealed": gettext_lazy(
        "Both answers are already shown, so this one stays as it was shared."
    ),
    "locked": gettext_lazy("The prompts open with the Sustaining stage."),
    "hope_long": gettext_lazy(
        "The line for the next season is kept to one short line (200 characters). Could you "
        "shorten it? Nothing you wrote is lost."
    ),
    "hope_empty": gettext_lazy("Write one line for the next season first; a few words are enough."),
    "not_yet": gettext_lazy("This check-back isn't due yet. It will be here when it is."),
}
DEFAULT_LANE = ("everyday", "light")


def _problem(request: AuthedRequest, error: ProgramActionError) -> None:
    messages.error(request, str(PROBLEMS.get(error.code, PROBLEMS["moved_on"])))


def _lane_asked(request: AuthedRequest, couple: CoupleView) -> tuple[str, str]:
    """The theme and weight in the address or the form, else where the couple left off. Anything
    else (an old link, a typo, a hostile value) quietly falls back."""
    source = request.POST if request.method == "POST" else request.GET
    theme, weight = source.get("theme", ""), source.get("weight", "")
    if bank().theme(theme) is not None and weight in WEIGHTS:
        return theme, weight
    return ls.bank_latest_lane(couple=couple) or DEFAULT_LANE


def _lane_url(theme: str, weight: str) -> str:
    return f"{reverse('program_bank')}?{urlencode({'theme': theme, 'weight': weight})}"


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def bank_page(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    """The prompt bank. A prompt is answered by each privately and shown to both once both have
    answered; either can set it aside for another."""
    if ls.sustaining_opened_at(couple=couple) is None:
        return render(request, "repair/program/bank_locked.html", {"stage": _sustaining()})
    theme, weight = _lane_asked(request, couple)
    typed = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        prompt_id = request.POST.get("prompt", "")[:60]
        typed = request.POST.get("text", "")
        try:
            if action == "answer":
                longrun_services.bank_answer(couple=couple, prompt_id=prompt_id, text=typed)
            elif action == "aside":
                longrun_services.bank_set_aside(couple=couple, prompt_id=prompt_id)
            else:
                raise ProgramActionError("moved_on")
        except ProgramActionError as error:
            _problem(request, error)
        else:
            return redirect(_lane_url(theme, weight))
    lane = ls.bank_lane(couple=couple, theme=theme, weight=weight)
    template = "repair/program/bank.html"
    if request.htmx and request.method == "GET":
        template += "#live"
    return render(
        request,
        template,
        {
            "couple": couple,
            "lane": lane,
            "themes": bank().themes,
            "weights": WEIGHTS.items(),
            "typed": typed,
            "live_url": _lane_url(theme, weight),
        },
    )


@require_GET
@couple_required(paired=True)
def bank_past(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    if ls.sustaining_opened_at(couple=couple) is None:
        return render(request, "repair/program/bank_locked.html", {"stage": _sustaining()})
    before = request.GET.get("before", "")
    # An id from our own "older" link; anything else (too long, not digits) starts from the top.
    start = int(before) if before.isascii() and before.isdigit() and len(before) <= 18 else None
    return render(
        request,
        "repair/program/bank_past.html",
        {"couple": couple, "past": ls.bank_past(couple=couple, before=start)},
    )


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def check_back(request: AuthedRequest, couple: CoupleView, months: int) -> HttpResponse:
    """A seasonal check-back: the agreements in force, the story, a private reflection and one
    line each for the next season, shown side by side once both are sent."""
    if months not in ls.SEASONS:
        raise Http404
    now = timezone.now()
    typed: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        typed = {
            "reflection": request.POST.get("reflection", ""),
            "hope": request.POST.get("hope", ""),
        }
        try:
            longrun_services.check_back_save(
                couple=couple,
                months=months,
                reflection=typed["reflection"],
                hope=typed["hope"],
                send=action == "send",
                still_right=[slug[:80] for slug in request.POST.getlist("still_right")[:50]],
            )
        except ProgramActionError as error:
            _problem(request, error)
        else:
            if action != "send":
                messages.success(request, str(gettext_lazy("Saved. Only you can see it.")))
            return redirect("program_check_back", months=months)
    seasons = ls.check_backs(couple=couple, now=now)
    season = next((s for s in seasons if s.months == months), None)
    marked = (
        request.POST.getlist("still_right")
        if typed
        else (season.mine.still_right if season and season.mine else [])
    )
    template = "repair/program/check_back.html"
    if request.htmx and request.method == "GET":
        template += "#live"
    return render(
        request,
        template,
        {
            "couple": couple,
            "season": season,
            "seasons": seasons,
            "agreements": ls.agreements_in_force(couple=couple) if season and season.due else [],
            "story": program().exercise(ls.STORY_EXERCISE),
            "typed": typed,
            "still_right": marked,
            "stage": _sustaining(),
        },
    )


def _sustaining() -> Stage | None:
    return program().stage(ls.SUSTAINING)


def long_run_context(*, couple: CoupleView, progress: ProgramState) -> dict[str, object]:
    """For the program page's long-run card: a check-back that has come due, and whether the
    prompts are open."""
    opened = ls.sustaining_opened_at(couple=couple, progress=progress) is not None
    return {
        "bank_open": opened,
        "check_back": ls.check_back_card(couple=couple, now=timezone.now(), progress=progress)
        if opened
        else None,
    }
