"""The private safety screen, and its support page. Nothing here is ever shown to the partner: not
the answers, not that there was a concern, not when it was taken."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from repair.couples import selectors, services
from repair.couples.access import AuthedRequest
from repair.couples.forms import SafetyCheckForm
from repair.couples.models import SafetyCheck, SafetyCheckOffer
from repair.couples.services import CoupleError
from repair.lib.redirects import next_path


def _next(request: AuthedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    return next_path(request, target, default=reverse("start"))


def _before(request: AuthedRequest) -> str:
    """The moment the check is offered again for (``SafetyCheckOffer.Moment``), or ""."""
    value = request.POST.get("before") or request.GET.get("before") or ""
    return value if value in SafetyCheckOffer.Moment.values else ""


@require_http_methods(["GET", "POST"])
@login_required
def safety_check(request: AuthedRequest) -> HttpResponse:
    """The private check. Everyone goes on to the support page afterwards (the lines are for
    everyone, not only for those who said yes), which then leads where they were going."""
    before = _before(request)
    if request.method == "POST" and request.POST.get("action") == "not_now":
        # The check offered again at a moment: set aside, for that moment, without answering.
        if before:
            services.safety_offer_settle(user=request.user, moment=before)
        return redirect(_next(request))
    form = SafetyCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.safety_check_record(user=request.user, answers=form.cleaned_data, before=before)
        return redirect(f"{reverse('safety_support')}?{urlencode({'next': _next(request)})}")
    return render(
        request,
        "repair/safety.html",
        {"form": form, "next": _next(request), "before": before},
    )


@require_http_methods(["GET", "POST"])
@login_required
def safety_support(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.safety_choice_set(user=request.user, choice=request.POST.get("choice", ""))
        except CoupleError:
            pass  # an unknown choice changes nothing; the page shows again
        else:
            return redirect(_next(request))
    check = selectors.safety_check_for(user=request.user)
    return render(
        request,
        "repair/safety_support.html",
        {
            "crisis_lines": settings.CRISIS_LINES,
            "check": check,
            "alone": check is not None and check.choice == SafetyCheck.Choice.ALONE,
            "couple": selectors.couple_for_user(user=request.user),
            "next": _next(request),
        },
    )


# GET, without a CSRF token, on purpose: Quick exit must work as a plain link, without JavaScript,
# in a hurry. All it does is end the session, so the worst another site can do by linking here is
# sign someone out of Mend, which costs them nothing (no data is touched) and is not worth a form.
@require_GET
@never_cache
def quick_exit(request: HttpRequest) -> HttpResponse:
    """Ends the session on the server (so reopening the site shows the sign-in page) and goes to the
    operator's neutral page. Signing out makes the response carry Clear-Site-Data as well (see
    repair.middleware.PrivateResponseMiddleware), which drops this site's cache and storage."""
    logout(request)
    return redirect(settings.QUICK_EXIT_URL)
