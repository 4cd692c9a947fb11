"""The therapist window's screens. Couple side: one page (invite, agree, what the therapist sees,
the log), its small POSTs, and the summary. Therapist side: the list, one read-only page per couple,
its summary and the one thing they may write, a suggestion."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from repair.couples.access import AuthedRequest, couple_required
from repair.couples.models import User
from repair.couples.selectors import CoupleView
from repair.lib import ratelimit
from repair.program.content import program
from repair.therapists import selectors, services
from repair.therapists.forms import (
    AgreeForm,
    ItemForm,
    PeriodForm,
    SuggestForm,
    TherapistInviteForm,
)
from repair.therapists.models import Scope, SuggestionKind, TherapistAccess, ViewKind
from repair.therapists.pending import pending_find, pending_forget, pending_remember
from repair.therapists.services import TherapistError
from rituals.library import BY_SLUG

# --- the couple's side -----------------------------------------------------------------------------


def _suggestion(access: TherapistAccess | None) -> dict[str, str] | None:
    suggestion = getattr(access, "suggestion", None) if access is not None else None
    if suggestion is None:
        return None
    if suggestion.kind == SuggestionKind.RITUAL:
        ritual = BY_SLUG.get(suggestion.slug)
        if ritual is None:
            return None
        url = reverse("rituals:schedule", kwargs={"slug": suggestion.slug})
        return {"title": str(ritual.title), "url": url, "kind": str(_("A ritual"))}
    exercise = program().exercise(suggestion.slug)
    if exercise is None:
        return None
    url = reverse(
        "program_exercise", kwargs={"stage_slug": exercise.stage, "exercise_slug": exercise.slug}
    )
    return {"title": exercise.title, "url": url, "kind": str(_("An exercise"))}


def _ours_page(
    request: AuthedRequest,
    couple: CoupleView,
    *,
    invite_form: TherapistInviteForm | None = None,
    agree_form: AgreeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    access = selectors.access_for_couple(couple=couple)
    context: dict[str, object] = {
        "couple": couple,
        "access": access,
        "invite_form": invite_form or TherapistInviteForm(),
        "last_ended": None if access else selectors.access_last_ended(couple=couple),
    }
    if access is not None:
        mine = selectors.consent_of(access=access, user=couple.me)
        agreed = selectors.scopes_agreed(access=access)
        is_open = selectors.is_open(access=access)
        start, end = selectors.period_default(viewer=couple.me)
        shown_scopes = agreed if is_open else (mine.scopes if mine else [])
        context.update(
            {
                "mine": mine,
                "is_open": is_open,
                "agreed_labels": [Scope(s).label for s in agreed],
                "mine_labels": [Scope(s).label for s in mine.scopes] if mine else [],
                "agree_form": agree_form
                or AgreeForm(initial={"scopes": mine.scopes if mine else Scope.values}),
                "log": selectors.view_log(access=access),
                "suggestion": _suggestion(access),
                "window": selectors.window(
                    couple=couple.couple,
                    scopes=shown_scopes,
                    start=start,
                    end=end,
                    viewer=couple.me,
                ),
                "invite_open": access.invite_open(now=timezone.now()),
            }
        )
    return render(request, "therapists/ours.html", context, status=status)


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def ours(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    if request.method == "POST":
        form = TherapistInviteForm(request.POST)
        if form.is_valid():
            try:
                access, token = services.therapist_invite(
                    couple=couple, email=form.cleaned_data["email"]
                )
            except TherapistError as error:
                if error.code == "already_invited":
                    # The form is not on the page while an invitation stands (another tab).
                    messages.info(request, _INVITE_ERRORS["already_invited"])
                    return redirect("therapists:ours")
                form.add_error("email", _INVITE_ERRORS.get(error.code, _INVITE_ERRORS["other"]))
            else:
                if services.therapist_invite_email(access=access, token=token):
                    messages.success(
                        request,
                        _(
                            "The invitation is on its way. Nothing opens until both of you have "
                            "said yes here, each on your own."
                        ),
                    )
                else:
                    messages.error(
                        request,
                        _("The email didn't go through. Please try again in a little while."),
                    )
                    services.therapist_end(couple=couple)
                return redirect("therapists:ours")
        return _ours_page(request, couple, invite_form=form)
    return _ours_page(request, couple)


_INVITE_ERRORS = {
    "own_email": gettext_lazy("That's one of your own addresses. Please use your therapist's."),
    "already_invited": gettext_lazy(
        "There's already an invitation. End it first to invite someone else."
    ),
    "other": gettext_lazy("That didn't work. Please try again."),
}


@require_POST
@couple_required(paired=True)
def agree(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    form = AgreeForm(request.POST)
    if not form.is_valid():
        return _ours_page(request, couple, agree_form=form)
    try:
        services.therapist_agree(couple=couple, scopes=form.cleaned_data["scopes"])
    except TherapistError:
        messages.info(request, _("There's no invitation to say yes to any more."))
        return redirect("therapists:ours")
    messages.success(request, _("Saved. Only the kinds you both chose are ever shown."))
    return redirect("therapists:ours")


@require_POST
@couple_required(paired=True)
def end(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    services.therapist_end(couple=couple)
    messages.success(request, _("Done. Your therapist can no longer see anything here."))
    return redirect("therapists:ours")


@require_POST
@couple_required(paired=True)
def item(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    form = ItemForm(request.POST)
    if not form.is_valid():
        messages.info(request, _("Nothing was changed. Please use the buttons on this page."))
        return redirect("therapists:ours")
    action = form.cleaned_data["action"]
    try:
        services.therapist_item_set(
            couple=couple,
            kind=form.cleaned_data["kind"],
            key=form.cleaned_data["key"],
            withheld={"withhold": True, "show": False}.get(action),
            shown={"notes": True, "no-notes": False}.get(action),
        )
    except TherapistError:
        raise Http404 from None
    messages.success(request, _("Saved."))
    return redirect(f"{reverse('therapists:ours')}#what-they-see")


def _period(request: HttpRequest, viewer: User) -> tuple[PeriodForm, date, date]:
    start, end_ = selectors.period_default(viewer=viewer)
    form = PeriodForm(request.GET if "start" in request.GET else None)
    if form.is_bound and form.is_valid():
        start, end_ = form.cleaned_data["start"], form.cleaned_data["end"]
    elif not form.is_bound:
        form = PeriodForm(initial={"start": start, "end": end_})
    return form, start, end_


@require_GET
@couple_required(paired=True)
def summary(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    """The couple's own printable summary: every kind, without check-in notes, minus anything
    either of them held back from the therapist (it is made to bring to a session)."""
    form, start, end_ = _period(request, couple.me)
    window = selectors.window(
        couple=couple.couple, scopes=list(Scope.values), start=start, end=end_, notes=False
    )
    return render(
        request,
        "therapists/summary.html",
        {
            "window": window,
            "form": form,
            "names": [couple.me.name, couple.partner.name if couple.partner else ""],
            "for_couple": True,
        },
    )


# --- the therapist's side --------------------------------------------------------------------------


@require_GET
@login_required
def home(request: AuthedRequest) -> HttpResponse:
    if not request.user.is_therapist:
        return redirect("today")
    couples = selectors.couples_for_therapist(therapist=request.user)
    return render(request, "therapists/home.html", {"couples": couples})


def _open_access(request: AuthedRequest, access_id: int) -> TherapistAccess:
    access = selectors.access_open_for(therapist=request.user, access_id=access_id)
    if access is None:
        raise Http404
    return access


def _names(access: TherapistAccess, therapist: User) -> list[str]:
    found = selectors.couples_for_therapist(therapist=therapist)
    return next((c.names for c in found if c.access.pk == access.pk), [])


@require_GET
@login_required
def couple(request: AuthedRequest, access_id: int) -> HttpResponse:
    access = _open_access(request, access_id)
    services.therapist_view_log(access=access, kind=ViewKind.OVERVIEW)
    start, end_ = selectors.period_default(viewer=request.user)
    window = selectors.window(
        couple=access.couple, scopes=selectors.scopes_agreed(access=access), start=start, end=end_
    )
    return render(
        request,
        "therapists/couple.html",
        {
            "access": access,
            "window": window,
            "names": _names(access, request.user),
            "suggest_form": SuggestForm(choices=services.suggestion_choices()),
            "suggestion": _suggestion(access),
        },
    )


@require_GET
@login_required
def couple_summary(request: AuthedRequest, access_id: int) -> HttpResponse:
    access = _open_access(request, access_id)
    services.therapist_view_log(access=access, kind=ViewKind.SUMMARY)
    form, start, end_ = _period(request, request.user)
    window = selectors.window(
        couple=access.couple,
        scopes=selectors.scopes_agreed(access=access),
        start=start,
        end=end_,
        notes=False,
    )
    return render(
        request,
        "therapists/summary.html",
        {"window": window, "form": form, "names": _names(access, request.user), "access": access},
    )


@require_POST
@login_required
def suggest(request: AuthedRequest, access_id: int) -> HttpResponse:
    access = _open_access(request, access_id)
    form = SuggestForm(request.POST, choices=services.suggestion_choices())
    if form.is_valid():
        services.therapist_suggest(access=access, value=form.cleaned_data["suggestion"])
        messages.success(request, _("Suggested. Both partners see it, and may take it up or not."))
    else:
        messages.info(request, _("Please pick something from the list."))
    return redirect("therapists:couple", access_id=access.pk)


# --- accepting an invitation -----------------------------------------------------------------------

_PROBLEMS = {
    "not_found": (
        404,
        gettext_lazy("This invitation link doesn't work"),
        gettext_lazy("It may have been copied only in part. Ask the couple to send it again."),
    ),
    "expired": (
        410,
        gettext_lazy("This invitation has expired"),
        gettext_lazy("Invitation links work for seven days. The couple can send a new one."),
    ),
    "accepted": (
        410,
        gettext_lazy("This invitation has already been used"),
        gettext_lazy("Each link works once."),
    ),
    "ended": (
        410,
        gettext_lazy("This invitation is no longer open"),
        gettext_lazy("Nothing more is needed from you."),
    ),
    "in_couple": (
        409,
        gettext_lazy("This account is a partner's account"),
        gettext_lazy(
            "A therapist account is separate from any shared space. Please sign out and create "
            "an account for your practice with another email address."
        ),
    ),
}


def _problem(request: HttpRequest, code: str) -> HttpResponse:
    status, title, explanation = _PROBLEMS.get(code, _PROBLEMS["not_found"])
    pending_forget(session=request.session)
    return render(
        request,
        "repair/invite_problem.html",
        {"title": title, "explanation": explanation},
        status=status,
    )


def _invite_page(request: HttpRequest, access: TherapistAccess) -> HttpResponse:
    now = timezone.now()
    user = request.user
    if isinstance(user, User) and access.therapist_id == user.pk:
        pending_forget(session=request.session)
        return redirect("therapists:home")
    if access.accepted_at is not None:
        return _problem(request, "accepted")
    if access.ended_at is not None:
        return _problem(request, "ended")
    if access.expires_at <= now:
        return _problem(request, "expired")
    if not isinstance(user, User):
        pending_remember(session=request.session, access=access)
        back = reverse("therapists:invite_pending")
        if request.method == "POST":
            return redirect(f"{reverse('account_login')}?next={back}")
        return render(request, "therapists/invite.html", {"access": access, "next": back})
    if request.method == "POST":
        try:
            services.therapist_invite_accept(user=user, token_sha256=access.token_hash, now=now)
        except TherapistError as error:
            return _problem(request, error.code)
        pending_forget(session=request.session)
        messages.success(
            request,
            _(
                "Thank you. The couple's page opens here once both partners have said yes, each "
                "on their own."
            ),
        )
        return redirect("therapists:home")
    if selectors.is_member_anywhere(user=user):
        return _problem(request, "in_couple")
    return render(request, "therapists/invite.html", {"access": access, "next": request.path})


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    if not ratelimit.invite_open_allow(request=request, token=token):
        return _problem(request, "not_found")
    found = selectors.access_for_token(token=token)
    if found is None:
        ratelimit.invite_miss_record(request=request)
        return _problem(request, "not_found")
    return _invite_page(request, found)


@require_http_methods(["GET", "POST"])
def invite_pending(request: HttpRequest) -> HttpResponse:
    found = pending_find(session=request.session)
    if found is None:
        if isinstance(request.user, User):
            return redirect("therapists:home" if request.user.is_therapist else "today")
        return _problem(request, "not_found")
    return _invite_page(request, found)
