"""Pages made of every app: Today, Pause and Support, and the development outbox.

This package is the only one that imports every app (see docs/architecture.md), so Today asks
check-ins and rituals for its cards directly; nothing here is found by name."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checkins import selectors as checkin_selectors
from repair.couples import once, selectors, services
from repair.couples.access import AuthedRequest, couple_required
from repair.couples.forms import HardMomentNoteForm, PauseNoticeForm
from repair.couples.models import SafetyCheckOffer, User
from repair.couples.selectors import CoupleView
from repair.lib.addresses import client_address
from repair.lib.clock import clock_format
from repair.lib.mail import outbox_messages
from repair.program.library import library
from repair.program.longrun_selectors import check_back_card
from repair.program.selectors import (
    agreement_in_force,
    program_state,
    reconnection_available,
    reconnection_state,
)
from rituals import selectors as ritual_selectors

# The Safety stage's agreement that the Pause button shows.
PAUSE_PLAN = "safety-pause-plan"
LOW_SAFETY = SafetyCheckOffer.Moment.LOW_SAFETY
LOW_SAFETY_QUIET = timedelta(days=14)


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
    # The private check offered again after several days of feeling on edge: for this person's
    # eyes only, from their own check-ins; set aside, it waits a fortnight.
    context["safety_offer"] = checkin_selectors.felt_safety_low_for_days(
        user=request.user
    ) and selectors.safety_check_due(
        user=request.user, before=LOW_SAFETY, since=timezone.now() - LOW_SAFETY_QUIET
    )
    aside_ids = selectors.stepped_aside_in(couple=couple) if couple.is_paired else set()
    aside = request.user.pk in aside_ids
    context["stepped_aside"] = aside
    if couple.is_paired:
        mine, theirs = checkin_selectors.today_pair(couple=couple)
        progress = program_state(couple=couple)
        context |= {
            # Taking time on their own: no nudge towards couple work.
            "next_step": None if aside else progress.next_for_me,
            # A seasonal check-back that has come due (repair/program/_long_run_card.html).
            "check_back": None
            if aside
            else check_back_card(couple=couple, now=timezone.now(), progress=progress),
            "opened": None if aside else progress.just_opened,
            "partner_pause": selectors.partner_pause(
                couple=couple,
                now=now,
                partner_aside=couple.partner is not None and couple.partner.pk in aside_ids,
            ),
            "partner_signal": selectors.signal_from_partner(couple=couple, now=now),
            # The check-in card (checkins/today_card.html).
            "mine": mine,
            "partner_checkin": theirs,
            # The rituals card (rituals/today_card.html): notes not read yet, today's rituals. Both
            # plain reads: a note is marked read on the Rituals page, where notes live.
            "notes": ritual_selectors.notes_unread(couple=couple),
            # Reconnection: on Today only when both partners chose it (its own card decides).
            # No query at all until the last closeness step is open (nothing could show before).
            "reconnection": reconnection_state(couple=couple, progress=progress)
            if not aside and reconnection_available(progress=progress)
            else None,
        }
        # Today's rituals, and the partner's suggestions waiting for a yes (one query).
        rituals = ritual_selectors.today_rituals(couple=couple)
        context |= {"today_rituals": rituals.rows, "ritual_asks": rituals.asks}
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
    the one the socket reported; a forwarded-for header is anyone's to write, and is read only
    when TRUSTED_PROXY_COUNT says which entry a trusted proxy wrote."""
    if not (
        settings.DEBUG
        and settings.MAILERS["default"]["BACKEND"] == "repair.lib.mail.OutboxBackend"
        and _from_loopback(request)
    ):
        raise Http404
    return render(request, "repair/outbox.html", {"messages_sent": outbox_messages()})


def _from_loopback(request: HttpRequest) -> bool:
    # The socket's peer, unless TRUSTED_PROXY_COUNT says proxies stand in front: then the peer is
    # a proxy (often on this machine) and the client is the address they forwarded.
    try:
        return ipaddress.ip_address(client_address(request)).is_loopback
    except ValueError:
        return False


@require_http_methods(["GET", "POST"])
def pause(request: HttpRequest) -> HttpResponse:
    """The pause screen: the couple's own pause plan (or a gentle default), a breathing timer, and
    an optional "I need a pause; I'll come back" for the partner, with a time and no details."""
    plan = None
    couple = None
    mine = None
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = PauseNoticeForm(request.POST if request.method == "POST" and not action else None)
    user = request.user if isinstance(request.user, User) else None
    if user is not None:
        couple = selectors.couple_for_user(user=user)
        if couple is not None and couple.partner is not None:
            name = couple.partner.name
            if action in ("back", "cancel"):
                if services.pause_end(user=user, cancel=action == "cancel"):
                    ended = (
                        _("Welcome back. %(name)s no longer sees the pause.")
                        if action == "back"
                        else _("The pause is cancelled. %(name)s no longer sees it.")
                    )
                    messages.success(request, ended % {"name": name})
                return redirect("pause")
            if request.method == "POST" and not action and form.is_valid():
                notice = services.pause_notify(
                    user=user, minutes=form.cleaned_data["minutes"], key=once.key_from(request.POST)
                )
                if notice.back_at is None:
                    text = _(
                        "We've let %(name)s know you're taking some time. Say “I'm back” here when you are."
                    ) % {"name": name}
                else:
                    text = _(
                        "We've let %(name)s know you need a pause, and that you'll be back around %(time)s."
                    ) % {"name": name, "time": clock_format(notice.back_at, clock=user.time_clock)}
                messages.success(request, text)
                return redirect("pause")
            mine = selectors.pause_mine(couple=couple, now=timezone.now())
        if couple is not None:
            plan = agreement_in_force(couple=couple, exercise_slug=PAUSE_PLAN)
    return render(
        request,
        "repair/pause.html",
        {"plan": plan, "couple": couple, "form": form, "my_pause": mine},
    )


@require_http_methods(["GET", "POST"])
def when_it_hits(request: HttpRequest) -> HttpResponse:
    """ "When it hits": for the moment a trigger or an intrusive image hits. Grounding, words for
    naming it as a memory, what the other partner can do, the couple's own pause plan; signed in,
    a wordless signal to the partner and a note only the writer will ever read. Works signed out
    (without the signal and the note) and without JavaScript."""
    user = request.user if isinstance(request.user, User) else None
    if request.method == "POST" and user is None:
        return redirect_to_login(request.get_full_path())
    couple = selectors.couple_for_user(user=user) if user else None
    form = HardMomentNoteForm()
    now = timezone.now()
    if request.method == "POST" and user is not None:
        action = request.POST.get("action")
        if action == "signal" and couple is not None and couple.partner is not None:
            services.hard_moment_signal(user=user, now=now)
            messages.success(
                request,
                _(
                    "%(name)s will see a quiet signal that this is a hard moment. No words go with it."
                )
                % {"name": couple.partner.name},
            )
            return redirect("when_it_hits")
        if action == "signal_end":
            services.hard_moment_signal_end(user=user, now=now)
            messages.success(request, _("The signal is down. We're glad it has eased."))
            return redirect("when_it_hits")
        if action == "note":
            form = HardMomentNoteForm(request.POST)
            if form.is_valid():
                services.hard_moment_note(
                    user=user, note=form.cleaned_data["note"], key=once.key_from(request.POST)
                )
                messages.success(request, _("Kept, just for you."))
                return redirect("when_it_hits")
    context: dict[str, object] = {"couple": couple, "form": form}
    if couple is not None:
        context |= {
            "plan": agreement_in_force(couple=couple, exercise_slug=PAUSE_PLAN),
            "my_signal": selectors.signal_mine(couple=couple, now=now),
        }
    if user is not None:
        context["notes"] = selectors.hard_moment_notes(user=user)
    return render(request, "repair/when_it_hits.html", context)


@require_GET
def resources(request: HttpRequest) -> HttpResponse:
    context = {
        "crisis_lines": settings.CRISIS_LINES,
        "therapist_directory": settings.THERAPIST_DIRECTORY,
        "reads": library(),
    }
    return render(request, "repair/resources.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page left open too long (or after signing out): explain, kindly."""
    return render(request, "403_csrf.html", status=403)
