"""The rituals screens: the overview (your rituals, notes, milestones), the library and scheduling,
the commitments calendar with inline marks, and reminder settings. Each view serves its page and,
for htmx, the fragment it changed."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from repair.couples import once
from repair.couples.access import AuthedRequest, couple_required
from repair.couples.selectors import CoupleView
from repair.lib.redirects import next_path
from rituals import reminders, selectors, services
from rituals.forms import MarkForm, NoteForm, PauseForm, ReminderSettingsForm, ScheduleForm
from rituals.library import BY_SLUG, LIBRARY
from rituals.models import ScheduledRitual
from rituals.services import RitualError

PROBLEMS = {
    "unknown": gettext_lazy("That ritual isn't in the library any more."),
    "cadence": gettext_lazy("Please choose how often: every day, week or month."),
    "weekday": gettext_lazy("Which day of the week suits you both?"),
    "day_of_month": gettext_lazy("Which day of the month suits you both?"),
    "status": gettext_lazy("Please choose kept or let go."),
    "not_yours": gettext_lazy("This one belongs to your partner's own practice."),
    "future": gettext_lazy("That day hasn't come yet — you can mark it once it has."),
    "no_occurrence": gettext_lazy("This ritual wasn't planned for that day."),
    "no_partner": gettext_lazy("Notes can be sent once your partner has joined."),
    "empty": gettext_lazy("Write a few words first — one small thing is plenty."),
    "too_long": gettext_lazy("That's a lot of thanks! Please keep one note shorter — or send two."),
    "pause_days": gettext_lazy("Please choose a number of days from 1 to 30."),
    "not_asked": gettext_lazy("This suggestion has already been answered, or taken back."),
    "not_started": gettext_lazy("This ritual starts once you've both said yes to it."),
}


def _next_url(request: AuthedRequest, default: str) -> str:
    return next_path(request, request.POST.get("next"), default=default)


# --- overview --------------------------------------------------------------------------------------


def _index_context(
    request: AuthedRequest, couple: CoupleView, *, note_form: NoteForm | None = None
) -> dict[str, object]:
    """Everything the overview shows. Unread notes from the partner are shown here, once, and
    marked read."""
    marks = selectors.my_marks(couple=couple)
    unread = selectors.notes_unread(couple=couple)
    services.note_mark_read(couple=couple, note_ids=[note.pk for note in unread])
    return {
        "couple": couple,
        "rows": selectors.ritual_rows(
            couple=couple, rituals=selectors.rituals_for_couple(couple=couple)
        ),
        "unread_notes": unread,
        "recent_notes": selectors.notes_recent(couple=couple, exclude=[n.pk for n in unread]),
        "note_form": note_form or NoteForm(),
        "milestones": selectors.milestones(couple=couple, marks=marks),
    }


@require_GET
@couple_required()
def index(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    return render(request, "rituals/index.html", _index_context(request, couple))


@require_POST
@couple_required()
def note_send(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    form = NoteForm(request.POST)
    sent = False
    if form.is_valid():
        try:
            services.note_send(
                couple=couple, text=form.cleaned_data["text"], key=once.key_from(request.POST)
            )
        except RitualError as error:
            form.add_error("text", str(PROBLEMS[error.code]))
        else:
            sent = True
    if request.htmx:
        return render(
            request,
            "rituals/index.html#note-card",
            {"couple": couple, "note_form": NoteForm() if sent else form, "sent": sent},
        )
    if sent:
        messages.success(request, _("Sent. They'll see it next time they look."))
        return redirect("rituals:index")
    # Shown again with the words still in the box: nothing typed is lost.
    return render(request, "rituals/index.html", _index_context(request, couple, note_form=form))


# --- the library and scheduling ------------------------------------------------------------------------


@require_GET
@couple_required()
def library(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    scheduled = {row.ritual for row in selectors.rituals_for_couple(couple=couple)}
    return render(
        request,
        "rituals/library.html",
        {
            "couple": couple,
            "library": LIBRARY,
            "scheduled": scheduled,
            "family_labels": selectors.FAMILY_LABELS,
        },
    )


@require_http_methods(["GET", "POST"])
@couple_required()
def schedule(request: AuthedRequest, couple: CoupleView, slug: str) -> HttpResponse:
    entry = BY_SLUG.get(slug)
    if entry is None:
        raise Http404
    today = selectors.calendar_anchor(user=couple.me, day=None)
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                ritual = services.ritual_schedule(
                    couple=couple,
                    data=form.to_input(ritual=slug),
                    key=once.key_from(request.POST),
                )
            except RitualError as error:
                form.add_error(None, str(PROBLEMS[error.code]))
            else:
                if not ritual.is_accepted:
                    messages.success(
                        request,
                        _(
                            "“%(title)s” is suggested to %(name)s. It starts for both of you once "
                            "they say yes; until then it is on neither calendar and sends no "
                            "reminders."
                        )
                        % {"title": entry.title, "name": _partner_name(couple)},
                    )
                    return redirect(reverse("rituals:index") + f"#ritual-{ritual.pk}")
                messages.success(
                    request,
                    _(
                        "“%(title)s” is in your calendar. Reminders follow it, and you can pause or stop it at any time."
                    )
                    % {"title": entry.title},
                )
                first = selectors.first_day_on_or_after(ritual=ritual, day=today)
                return redirect(reverse("rituals:calendar") + f"?view=week&date={first}")
    else:
        form = ScheduleForm(
            initial={
                "cadence": entry.cadence,
                "weekday": str(today.weekday()),
                "day_of_month": today.day,
                "local_time": "20:00",
                "who": "both",
            }
        )
    return render(
        request,
        "rituals/schedule.html",
        {
            "couple": couple,
            "entry": entry,
            "form": form,
            "family_label": selectors.FAMILY_LABELS[entry.family],
        },
    )


def _partner_name(couple: CoupleView) -> str:
    return couple.partner.name if couple.partner else _("your partner")


def _ritual_row_response(
    request: AuthedRequest, couple: CoupleView, ritual: ScheduledRitual, note: str
) -> HttpResponse:
    rows = selectors.ritual_rows(couple=couple, rituals=[ritual])
    return render(
        request,
        "rituals/index.html#ritual-row",
        {"row": rows[0], "couple": couple, "row_note": note},
    )


@require_POST
@couple_required()
def ritual_change(request: AuthedRequest, couple: CoupleView, ritual_id: int) -> HttpResponse:
    """Pause, resume or stop. Either partner may change a ritual for both; one that is just for one
    partner is theirs alone to change."""
    ritual = selectors.ritual_for_couple(couple=couple, ritual_id=ritual_id)
    if ritual is None or not selectors.includes(ritual, couple.me):
        raise Http404
    if not ritual.is_accepted and ritual.created_by_id != couple.me.pk:
        raise Http404  # the partner's suggestion: answered with yes or not now (ritual_answer)
    action = request.POST.get("action", "")
    title = BY_SLUG[ritual.ritual].title if ritual.ritual in BY_SLUG else _("The ritual")
    if action == "pause":
        services.ritual_pause(ritual=ritual)
        note = _("Paused. It's off the calendar until you resume it.")
    elif action == "resume":
        services.ritual_resume(ritual=ritual)
        note = _("Resumed. Welcome back.")
    elif action == "stop":
        services.ritual_stop(ritual=ritual)
        note = _("“%(title)s” is stopped and off the calendar.") % {"title": title}
    else:
        messages.info(request, _("Nothing was changed."))
        return redirect("rituals:index")
    if request.htmx:
        if action == "stop":
            return render(
                request, "rituals/index.html#ritual-stopped", {"ritual": ritual, "row_note": note}
            )
        return _ritual_row_response(request, couple, ritual, note)
    messages.success(request, note)
    return redirect(reverse("rituals:index") + f"#ritual-{ritual.pk}")


@require_POST
@couple_required()
def ritual_answer(request: AuthedRequest, couple: CoupleView, ritual_id: int) -> HttpResponse:
    """Yes or not now to a ritual for both that the partner suggested. Only the person asked can
    answer; for anyone else (the one who suggested it included) there is nothing here."""
    ritual = selectors.ritual_for_couple(couple=couple, ritual_id=ritual_id)
    if ritual is None or not selectors.asked_of_me(ritual, couple.me):
        raise Http404
    action = request.POST.get("action", "")
    if action not in {"accept", "decline"}:
        messages.info(request, _("Nothing was changed."))
        return redirect(reverse("rituals:index") + f"#ritual-{ritual.pk}")
    title = BY_SLUG[ritual.ritual].title if ritual.ritual in BY_SLUG else _("The ritual")
    try:
        services.ritual_answer(couple=couple, ritual=ritual, accept=action == "accept")
    except RitualError as error:
        messages.info(request, str(PROBLEMS[error.code]))
        return redirect("rituals:index")
    if action == "accept":
        note = _(
            "“%(title)s” is on for both of you now. Each of you is reminded at your own local time."
        ) % {"title": title}
    else:
        note = _("Let go for now. %(name)s sees only that it wasn't taken up for now.") % {
            "name": _partner_name(couple)
        }
    if request.htmx:
        if action == "decline":
            return render(
                request, "rituals/index.html#ritual-stopped", {"ritual": ritual, "row_note": note}
            )
        return _ritual_row_response(request, couple, ritual, note)
    messages.success(request, note)
    return redirect(
        reverse("rituals:index") + (f"#ritual-{ritual.pk}" if action == "accept" else "")
    )


# --- the calendar ----------------------------------------------------------------------------------------


def _date_param(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@require_GET
@couple_required()
def calendar(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    view = request.GET.get("view", selectors.DEFAULT_VIEW)
    if view not in selectors.VIEWS:
        view = selectors.DEFAULT_VIEW
    day = _date_param(request.GET.get("date"))
    context = {
        "couple": couple,
        "page": selectors.calendar_page(couple=couple, view=view, day=day),
        "families": list(selectors.FAMILY_LABELS.items()),
        "here": request.get_full_path(),
    }
    return render(request, "rituals/calendar.html", context)


@require_POST
@couple_required()
def mark(request: AuthedRequest, couple: CoupleView, ritual_id: int) -> HttpResponse:
    """Kept or let go, for one past (or today's) occurrence, by someone it is for."""
    ritual = selectors.ritual_for_couple(couple=couple, ritual_id=ritual_id)
    if ritual is None or not selectors.includes(ritual, couple.me):
        raise Http404
    form = MarkForm(request.POST)
    problem = ""
    saved = ""
    day: date | None = None
    if form.is_valid():
        day = form.cleaned_data["date"]
        try:
            saved = services.occurrence_mark(
                ritual=ritual, user=couple.me, day=day, status=form.cleaned_data["status"]
            ).status
        except RitualError as error:
            problem = str(PROBLEMS[error.code])
    else:
        problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
        if "date" not in form.errors:
            day = form.cleaned_data.get("date")
    if request.htmx:
        if day is None:
            return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
        current = saved or selectors.mark_for(couple=couple, ritual=ritual, day=day)
        entry = selectors.ritual_entry(couple=couple, ritual=ritual, day=day, mark=current)
        return render(
            request,
            "rituals/calendar.html#entry",
            {
                "entry": entry,
                "couple": couple,
                "problem": problem,
                "saved": bool(saved),
                "here": _next_url(request, reverse("rituals:calendar")),
            },
        )
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("Noted. Thank you for looking back."))
    default = reverse("rituals:calendar") + (f"?view=week&date={day}" if day else "")
    return redirect(_next_url(request, default))


# --- reminder settings ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def reminder_settings(request: AuthedRequest) -> HttpResponse:
    """One person's reminders: what, when, quiet hours, and a pause. Works with or without a
    couple (a check-in reminder needs nobody else)."""
    user = request.user
    prefs = reminders.settings_for(user=user)
    form = ReminderSettingsForm.for_settings(prefs)
    pause_form = PauseForm(initial={"days": 7})
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "resume":
            services.reminders_resume(user=user)
            messages.success(request, _("Reminders are back on."))
            return redirect("rituals:reminders")
        if action == "pause":
            pause_form = PauseForm(request.POST)
            if pause_form.is_valid():
                services.reminders_pause(user=user, days=pause_form.cleaned_data["days"])
                messages.success(request, _("Reminders are paused. Take the time you need."))
                return redirect("rituals:reminders")
        else:
            form = ReminderSettingsForm(request.POST)
            if form.is_valid():
                services.reminder_settings_save(user=user, data=form.to_input())
                messages.success(request, _("Saved. Your reminders follow these choices now."))
                return redirect("rituals:reminders")
    paused_until = (
        prefs.paused_until if prefs.paused_until and prefs.paused_until > timezone.now() else None
    )
    return render(
        request,
        "rituals/reminders.html",
        {"form": form, "pause_form": pause_form, "paused_until": paused_until},
    )
