from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404
from django.utils import timezone
from django.views.defaults import page_not_found


class TimeZoneMiddleware:
    """Show every date and time in the signed-in person's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.zoneinfo)
        else:
            timezone.deactivate()
        return self.get_response(request)


class SlidingSessionMiddleware:
    """Sessions expire after SESSION_COOKIE_AGE of *inactivity*: a signed-in person's session is
    renewed as they use the app, at most once every few minutes (so pages don't write on every
    request), and lapses when the phone has been put down long enough."""

    RENEW_AFTER_SECONDS = 300

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            if now - int(request.session.get("_renewed", 0)) > self.RENEW_AFTER_SECONDS:
                request.session["_renewed"] = now  # saving the session moves its expiry on
        return self.get_response(request)


class NotFoundPageMiddleware:
    """Our own 404 page under ``DEBUG`` too (``make run``). Django's debug 404 lists every URL
    pattern and has no Quick exit or Pause, and a person trying the app locally deserves the same
    page as in production, where Django already serves ``404.html``. Last in MIDDLEWARE, so the
    page gets its CSP nonce and headers like any other response.

    A view's ``Http404`` is caught on its way out of the view; a path no pattern matches is
    recognised by the request never having been resolved. A 404 a view returns on purpose (the
    invite pages) has a match and is left as it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return page_not_found(request, Resolver404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
