from __future__ import annotations

import contextlib
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from repair.couples import once, selectors, services
from repair.couples.access import AuthedRequest, couple_required
from repair.couples.forms import InviteEmailForm, LeaveForm, ProfileForm
from repair.couples.models import Invite, InviteStatus, User
from repair.couples.pending_invite import (
    pending_invite_exists,
    pending_invite_find,
    pending_invite_forget,
    pending_invite_remember,
)
from repair.couples.selectors import CoupleView
from repair.couples.services import CoupleError
from repair.lib import ratelimit
from repair.lib.clock import language_tag

type StrOrPromise = str | Promise


@login_required
@require_http_methods(["GET", "POST"])
def start(request: AuthedRequest) -> HttpResponse:
    if selectors.couple_for_user(user=request.user) is not None:
        return redirect("today")
    if pending_invite_exists(session=request.session) and request.method == "GET":
        return redirect("invite_pending")
    gate = selectors.couple_work_gate(user=request.user)
    if gate == "check":
        return redirect(f"{reverse('safety_check')}?next={request.path}")
    if gate == "alone":
        ended = selectors.couple_last_ended_by_partner(user=request.user)
        return render(request, "repair/start.html", {"alone": True, "ended": ended})
    if request.method == "POST":
        # A second tab may already have made one; either way they now have a couple.
        with contextlib.suppress(CoupleError):
            services.couple_create(user=request.user)
        return redirect("invite")
    ended = selectors.couple_last_ended_by_partner(user=request.user)
    return render(request, "repair/start.html", {"ended": ended})


@require_http_methods(["GET", "POST"])
@couple_required()
def invite(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    if couple.is_paired:
        return redirect("today")
    email_form = InviteEmailForm(inviter=request.user)
    context: dict[str, object] = {"couple": couple}
    if request.method == "POST":
        how = request.POST.get("how")
        new_invite = None
        if how == "email":
            email_form = InviteEmailForm(request.POST, inviter=request.user)
            if email_form.is_valid():
                new_invite = services.invite_create(
                    couple=couple.couple,
                    created_by=request.user,
                    email=email_form.cleaned_data["email"],
                    key=once.key_from(request.POST),
                )
                context["emailed"] = services.invite_send_email(
                    new_invite=new_invite, inviter=request.user
                )
                email_form = InviteEmailForm(inviter=request.user)
        elif how == "link":
            new_invite = services.invite_create(
                couple=couple.couple, created_by=request.user, key=once.key_from(request.POST)
            )
        context["new_invite"] = new_invite
    context["email_form"] = email_form
    context["pending"] = selectors.invites_pending(couple=couple.couple, now=timezone.now())
    template = "repair/invite.html#panel" if request.htmx else "repair/invite.html"
    return render(request, template, context)


@require_POST
@couple_required()
def invite_revoke(request: AuthedRequest, couple: CoupleView, invite_id: int) -> HttpResponse:
    found = selectors.invite_for_couple(couple=couple.couple, invite_id=invite_id)
    if found is None:
        raise Http404
    services.invite_revoke(invite=found)
    messages.success(request, _("That link no longer works. You can make a new one any time."))
    return redirect("invite")


_INVITE_PROBLEMS: dict[str, tuple[int, StrOrPromise, StrOrPromise]] = {
    # code: (status, title, explanation)
    "not_found": (
        404,
        gettext_lazy("This invite link doesn't work"),
        gettext_lazy(
            "It may have been copied only in part. Ask your partner to send the link again."
        ),
    ),
    str(InviteStatus.EXPIRED): (
        410,
        gettext_lazy("This invite has expired"),
        gettext_lazy(
            "Invite links work for seven days. Ask your partner to make a new one — it takes a moment."
        ),
    ),
    str(InviteStatus.ACCEPTED): (
        410,
        gettext_lazy("This invite has already been used"),
        gettext_lazy(
            "Each link works once. If that wasn't you, ask your partner to make a new one."
        ),
    ),
    # Never "withdrawn": to someone already hurt that reads as being uninvited.
    str(InviteStatus.REVOKED): (
        410,
        gettext_lazy("This link has been switched off"),
        gettext_lazy(
            "The person who invited you switched this link off, perhaps to make a fresh one. If "
            "you'd like to join, ask them for a new link. It only takes them a moment."
        ),
    ),
    "replaced": (
        410,
        gettext_lazy("There's a newer invite for you"),
        gettext_lazy(
            "The person who invited you made a newer invite after this one, so this link no "
            "longer opens. Ask them to send you the newest link. It only takes them a moment."
        ),
    ),
    "couple_full": (
        409,
        gettext_lazy("This space already has two people"),
        gettext_lazy(
            "A shared space is for two. If this seems wrong, talk with the person who sent it."
        ),
    ),
    "couple_ended": (
        410,
        gettext_lazy("This shared space has ended"),
        gettext_lazy("The person who invited you has closed it. Nothing more is needed from you."),
    ),
    "own_invite": (
        409,
        gettext_lazy("This is your own invite"),
        gettext_lazy("Send this link to your partner; they open it to join you."),
    ),
    "already_in_couple": (
        409,
        gettext_lazy("You're already in a shared space"),
        gettext_lazy(
            "You can be in one at a time. To join this one, first leave your current space in Settings."
        ),
    ),
}


def _invite_problem(request: HttpRequest, code: str) -> HttpResponse:
    status, title, explanation = _INVITE_PROBLEMS.get(code, _INVITE_PROBLEMS["not_found"])
    pending_invite_forget(session=request.session)
    return render(
        request,
        "repair/invite_problem.html",
        {"title": title, "explanation": explanation},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    if not ratelimit.invite_open_allow(request=request, token=token):
        return render(
            request,
            "repair/invite_problem.html",
            {
                "title": _("Please wait a little"),
                "explanation": _(
                    "This link has been tried many times in a short while. Try again in ten minutes."
                ),
            },
            status=429,
        )
    found = selectors.invite_for_token(token=token)
    if found is None:
        ratelimit.invite_miss_record(request=request)
        return _invite_problem(request, "not_found")
    return _invite_page(request, found, now=now)


@require_http_methods(["GET", "POST"])
def invite_pending(request: HttpRequest) -> HttpResponse:
    """The invite this browser opened before signing in, found through the session: where sign-up,
    the emailed code and the safety check lead back to, with no token in the address."""
    found = pending_invite_find(session=request.session)
    if found is None:
        if isinstance(request.user, User):
            return redirect("start")
        return _invite_problem(request, "not_found")
    return _invite_page(request, found, now=timezone.now())


def _invite_page(request: HttpRequest, found: Invite, *, now: datetime) -> HttpResponse:
    status = found.status(now=now)
    if status == InviteStatus.REVOKED and selectors.invite_replaced(invite=found):
        return _invite_problem(request, "replaced")
    if status != InviteStatus.PENDING:
        return _invite_problem(request, str(status))

    user = request.user
    if not isinstance(user, User):
        # Kept through sign-up and email confirmation so the person lands back here afterwards;
        # the way back names no token, so allauth keeps none in the session either.
        pending_invite_remember(session=request.session, invite=found)
        back = reverse("invite_pending")
        if request.method == "POST":
            return redirect(f"{reverse('account_login')}?next={back}")
        return render(request, "repair/invite_accept.html", {"invite": found, "next": back})

    if request.method == "POST" and selectors.couple_work_gate(user=user) == "ok":
        try:
            services.invite_accept(token_sha256=found.token_hash, user=user, now=now)
        except CoupleError as error:
            return _invite_problem(request, error.code)
        pending_invite_forget(session=request.session)
        messages.success(request, _("You're both here now. Welcome to your shared space."))
        return redirect("today")

    gate = selectors.couple_work_gate(user=user)
    if gate == "check":
        return redirect(f"{reverse('safety_check')}?next={request.path}")
    if gate == "alone":
        return render(request, "repair/invite_accept.html", {"invite": found, "alone": True})
    mine = selectors.couple_for_user(user=user)
    if mine is not None and mine.couple.pk == found.couple_id:
        return _invite_problem(request, "own_invite")
    if mine is not None:
        return _invite_problem(request, "already_in_couple")
    return render(request, "repair/invite_accept.html", {"invite": found, "next": request.path})


@require_http_methods(["GET", "POST"])
@couple_required()
def leave(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    form = LeaveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # Already left (a double submit): the outcome is the one they asked for.
        with contextlib.suppress(CoupleError):
            services.couple_leave(user=request.user)
        messages.success(
            request,
            _("You've left the shared space. Everything you wrote is still yours, here."),
        )
        return redirect("start")
    return render(request, "repair/leave.html", {"couple": couple, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: AuthedRequest) -> HttpResponse:
    form = ProfileForm.for_user(
        request.user, data=request.POST if request.method == "POST" else None
    )
    saved = False
    if request.method == "POST" and form.is_valid():
        services.profile_update(
            user=request.user,
            language=language_tag(request.headers.get("Accept-Language", "")),
            **form.cleaned_data,
        )
        if not request.htmx:
            messages.success(request, _("Saved."))
            return redirect("settings")
        saved = True
    if request.htmx:
        return render(request, "repair/settings.html#profile", {"form": form, "saved": saved})
    couple = selectors.couple_for_user(user=request.user)
    return render(request, "repair/settings.html", {"form": form, "couple": couple})
