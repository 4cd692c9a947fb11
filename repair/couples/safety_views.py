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
from repair.couples.services import CoupleError
from repair.lib.redirects import next_path


def _next(request: AuthedRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    return next_path(request, target, default=reverse("start"))


@require_http_methods(["GET", "POST"])
@login_required
def safety_check(request: AuthedRequest) -> HttpResponse:
    form = SafetyCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        check = services.safety_check_record(user=request.user, answers=form.cleaned_data)
        if check.concern:
            return redirect(f"{reverse('safety_support')}?{urlencode({'next': _next(request)})}")
        return redirect(_next(request))
    return render(request, "repair/safety.html", {"form": form, "next": _next(request)})


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
    gate = selectors.couple_work_gate(user=request.user)
    return render(
        request,
        "repair/safety_support.html",
        {"crisis_lines": settings.CRISIS_LINES, "alone": gate == "alone", "next": _next(request)},
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
