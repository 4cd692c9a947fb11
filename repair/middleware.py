from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import resolve_url
from django.urls import Resolver404
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.defaults import page_not_found


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, minus the detection while the app speaks one language: with one entry in
    LANGUAGES every request gets it whatever the browser asks for, so parsing Accept-Language, the
    language cookie and the path is skipped (a tenth of a signed-in request's fixed cost, in
    instructions; docs/performance.md). The response says the same as Django's would (Vary:
    Accept-Language, Content-Language). A second language in LANGUAGES turns Django's own back on."""

    def process_request(self, request: HttpRequest) -> None:
        if len(settings.LANGUAGES) != 1:
            return super().process_request(request)
        translation.activate(settings.LANGUAGES[0][0])
        request.LANGUAGE_CODE = settings.LANGUAGES[0][0]
        return None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if len(settings.LANGUAGES) != 1:
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", settings.LANGUAGES[0][0])
        return response


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


# Set on the request by `note_signed_out` when someone signs out during it (allauth's sign-out, Quick
# exit, deleting the account): that response also tells the browser to forget what it kept.
SIGNED_OUT_ATTR = "_mend_signed_out"
# Asks the browser to drop this site's HTTP cache (and back/forward cache) and its storage, where our
# script keeps unsent writing (sessionStorage): the belt to the script's braces, which clears them too.
CLEAR_SITE_DATA = '"cache", "storage"'


def note_signed_out(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """`user_logged_out` receiver (connected in RepairConfig.ready)."""
    if request is not None:
        setattr(request, SIGNED_OUT_ATTR, True)


class PrivateResponseMiddleware:
    """Nothing a signed-in person sees stays in the browser after they sign out: every response to
    them (pages, htmx fragments, downloads, redirects) says `no-store`, so private pages are neither
    written to the disk cache nor shown again by Back from it. Signed-out public pages are left as
    they are (static files never get here: WhiteNoise answers them first).

    Also: an htmx request whose session has ended is sent to the sign-in page as a whole page
    (`HX-Redirect`), instead of htmx following the redirect and swapping the sign-in page into a
    card. What was typed survives in the script's drafts and comes back after signing in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        signed_out = getattr(request, SIGNED_OUT_ATTR, False)
        if signed_in or signed_out or request.user.is_authenticated:
            # Merged into whatever the view said (never_cache pages keep their max-age=0 and so on).
            patch_cache_control(response, no_store=True)
        if signed_out:
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        if (
            not signed_in
            and request.headers.get("HX-Request") == "true"
            and response.status_code == 302
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            return _htmx_redirect(response["Location"])
        return response


def _htmx_redirect(location: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["HX-Redirect"] = location
    patch_cache_control(response, no_store=True)
    return response


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
