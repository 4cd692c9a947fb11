"""The reconnection sequence's two screens: the sequence (with the both-must-agree "show it on
Today" choice) and one step (a private yes, taking it back, or closing an open step again).

Both partners see the same page for a step whatever either has answered: the only thing that ever
changes it for the other is the step opening (both said yes) or closing (either closed it)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from repair.couples.access import AuthedRequest, couple_required
from repair.couples.selectors import CoupleView, couple_work_paused_for, safety_check_due
from repair.program import selectors as ps
from repair.program import services
from repair.program.reconnection import sequence
from repair.program.services import ProgramActionError
from repair.program.views import PROBLEMS

RECONNECTION_PROBLEMS = {
    "reconnection_waits": gettext_lazy(
        "This step waits for the one before it to be open. There's no hurry."
    ),
    "not_found": gettext_lazy("That step isn't there any more. Here is where things are now."),
}


def _problem(request: AuthedRequest, error: ProgramActionError) -> None:
    text = RECONNECTION_PROBLEMS.get(error.code) or PROBLEMS.get(error.code) or PROBLEMS["busy"]
    messages.error(request, str(text))


def _context(request: AuthedRequest, couple: CoupleView) -> dict[str, object]:
    return {
        "sequence": sequence(),
        "state": ps.reconnection_state(couple=couple),
        "held": couple_work_paused_for(user=request.user, now=timezone.now()),
        # Before touch work, the private check is offered again (for this person's eyes only).
        "safety_offer": "consent" if safety_check_due(user=request.user, before="consent") else "",
    }


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def reconnection(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("show", "hide"):
            services.reconnection_show(couple=couple, show=action == "show")
            messages.success(
                request,
                _(
                    "Chosen, privately. It appears on Today only once you've both chosen it, "
                    "and never in an email, a reminder or the calendar."
                )
                if action == "show"
                else _("Off your Today page, for both of you."),
            )
        else:
            _problem(request, ProgramActionError("busy"))
        return redirect("program_reconnection")
    return render(request, "repair/program/reconnection.html", _context(request, couple))


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def reconnection_step(request: AuthedRequest, couple: CoupleView, step_slug: str) -> HttpResponse:
    step = sequence().step(step_slug)
    if step is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("yes", "not_yet"):
                opened = services.reconnection_answer(couple=couple, step=step, yes=action == "yes")
                if opened:
                    messages.success(request, _("You've both said yes. This step is open."))
                elif action == "yes":
                    messages.success(
                        request,
                        _(
                            "Your yes is kept, privately. The step opens when you've both said "
                            "yes; nobody is told who is waiting."
                        ),
                    )
                else:
                    messages.success(request, _("Taken back. Nothing about it is shown to anyone."))
            elif action == "close":
                services.reconnection_close(couple=couple, step=step)
                messages.success(
                    request,
                    _(
                        "Closed for now, for both of you. Your partner sees only that it isn't "
                        "open, never who closed it. The steps after it wait."
                    ),
                )
            else:
                raise ProgramActionError("busy")
        except ProgramActionError as error:
            _problem(request, error)
        return redirect("program_reconnection_step", step_slug=step.slug)
    context = _context(request, couple)
    state = context["state"]
    assert isinstance(state, ps.ReconnectionState)
    return render(
        request,
        "repair/program/reconnection_step.html",
        {**context, "step": step, "step_state": state.step(step.slug)},
    )
