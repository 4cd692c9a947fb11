"""Pages made of every app: Today, Pause and Support, and the development outbox.

This package is the only one that imports every app (see docs/architecture.md), so Today asks
check-ins and rituals for its cards directly; nothing here is found by name."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checkins import selectors as checkin_selectors
from repair.couples import once, selectors, services
from repair.couples.access import AuthedRequest, couple_required
from repair.couples.forms import PauseNoticeForm
from repair.couples.models import User
from repair.couples.selectors import CoupleView
from repair.lib.mail import outbox_messages
from repair.program.selectors import agreement_in_force, program_state
from rituals import selectors as ritual_selectors

# The Safety stage's agreement that the Pause button shows.
PAUSE_PLAN = "safety-pause-plan"


@require_GET
@couple_required()
def today(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    now = timezone.localtime()
    if now.hour < 5 or now.hour >= 22:
        greeting = _("It's late — be gentle with yourself tonight")
    elif now.hour < 12:
        greeting = _("Good morning")
    elif now.hour < 18:
        greeting = _("Good afternoon")
    else:
        greeting = _("Good evening")
    context: dict[str, object] = {"greeting": greeting, "couple": couple}
    if couple.is_paired:
        mine, theirs = checkin_selectors.today_pair(couple=couple)
        context |= {
            "next_step": program_state(couple=couple).next_for_me,
            "partner_pause": selectors.partner_pause(couple=couple, now=now),
            # The check-in card (checkins/today_card.html).
            "mine": mine,
            "partner_checkin": theirs,
            # The rituals card (rituals/today_card.html): notes not read yet, today's rituals. Both
            # plain reads: a note is marked read on the Rituals page, where notes live.
            "notes": ritual_selectors.notes_unread(couple=couple),
            "today_rituals": ritual_selectors.rituals_today(couple=couple),
        }
    return render(request, "repair/today.html", context)


@require_POST
@couple_required()
def whats_here(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    """Put the "What's here" card away (or, from Settings, bring it back)."""
    show = request.POST.get("show") == "1"
    services.whats_here_set(user=request.user, hidden=not show)
    if request.htmx and not show:
        return HttpResponse("")  # the card is swapped out in place
    return redirect("settings" if show else "today")


@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    """Local development only: the emails the app would have sent, so a sign-up code can be read.

    They include sign-in codes and password-reset links, so the page is shown only to a browser
    on this machine (``make run HOST=0.0.0.0`` puts the port on the network). The peer address is
    the one the socket reported; a forwarded-for header is anyone's to write."""
    if not (
        settings.DEBUG
        and settings.MAILERS["default"]["BACKEND"] == "repair.lib.mail.OutboxBackend"
        and _from_loopback(request)
    ):
        raise Http404
    return render(request, "repair/outbox.html", {"messages_sent": outbox_messages()})


def _from_loopback(request: HttpRequest) -> bool:
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_http_methods(["GET", "POST"])
def pause(request: HttpRequest) -> HttpResponse:
    """The pause screen: the couple's own pause plan (or a gentle default), a breathing timer, and
    an optional "I need a pause; I'll come back" for the partner, with a time and no details."""
    plan = None
    couple = None
    form = PauseNoticeForm(request.POST if request.method == "POST" else None)
    if isinstance(request.user, User):
        couple = selectors.couple_for_user(user=request.user)
        if couple is not None:
            plan = agreement_in_force(couple=couple, exercise_slug=PAUSE_PLAN)
            if request.method == "POST" and couple.is_paired and form.is_valid():
                notice = services.pause_notify(
                    user=request.user,
                    minutes=form.cleaned_data["minutes"],
                    key=once.key_from(request.POST),
                )
                messages.success(
                    request,
                    _(
                        "We've let %(name)s know you need a pause, and that you'll be back around %(time)s."
                    )
                    % {
                        "name": couple.partner.name if couple.partner else "",
                        "time": date_format(timezone.localtime(notice.back_at), "TIME_FORMAT"),
                    },
                )
                return redirect("pause")
    return render(request, "repair/pause.html", {"plan": plan, "couple": couple, "form": form})


@require_GET
def resources(request: HttpRequest) -> HttpResponse:
    return render(request, "repair/resources.html", {"crisis_lines": settings.CRISIS_LINES})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page left open too long (or after signing out): explain, kindly."""
    return render(request, "403_csrf.html", status=403)
