"""The screens of a person's own track: the track, and one page per exercise with a private answer.
Nothing here reads or shows anything of the partner's (repair/program/track.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from repair.couples.access import AuthedRequest, couple_required
from repair.couples.selectors import CoupleView
from repair.program import track
from repair.program.services import ProgramActionError
from repair.program.track_content import TrackExercise
from repair.program.views import PROBLEMS


@require_GET
@couple_required(paired=True)
def own_track(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    return render(request, "repair/program/track.html", {"page": track.track_page(couple=couple)})


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def own_track_exercise(
    request: AuthedRequest, couple: CoupleView, exercise_slug: str
) -> HttpResponse:
    exercise = track.track_exercise_for(couple=couple, slug=exercise_slug)
    if exercise is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        text = request.POST.get("text", "")
        try:
            if action == "save":
                track.track_entry_save(user=request.user, exercise=exercise, text=text)
                messages.success(
                    request, _("Saved. This is yours alone; it is never shown to anyone else.")
                )
            elif action == "delete":
                track.track_entry_delete(user=request.user, exercise=exercise)
                messages.success(request, _("Deleted. Nothing of it is kept."))
            else:
                raise ProgramActionError("empty")
        except ProgramActionError as error:
            messages.error(request, str(PROBLEMS.get(error.code, PROBLEMS["busy"])))
            # Nothing typed is lost: the page comes back with the words as they were sent.
            return _page(request, exercise, typed=text)
        return redirect("program_track_exercise", exercise_slug=exercise.slug)
    return _page(request, exercise)


def _page(request: AuthedRequest, exercise: TrackExercise, *, typed: str = "") -> HttpResponse:
    return render(
        request,
        "repair/program/track_exercise.html",
        {
            "exercise": exercise,
            "entry": track.track_entry_mine(user=request.user, exercise=exercise),
            "typed": typed,
        },
    )
