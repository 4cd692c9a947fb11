from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


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
