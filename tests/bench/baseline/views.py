"""Bare Django: no database, no template. The request still passes through the whole middleware
stack (sessions, CSRF, auth, CSP, allauth, the time-zone and sliding-session middleware), so a
signed-in request loads its session and user exactly as the app's pages do."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def baseline(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")
