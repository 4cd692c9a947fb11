"""The two baselines of the web load run (tests/bench/web.py), both without a database query or a
template of their own:

- ``bare``, served by the middleware-free handler of ``tests/bench/baseline/wsgi.py``: bare Django,
  the figure every ratio is taken against.
- ``middleware_only``, served by the app's handler: the whole middleware stack (sessions, CSRF, auth,
  CSP, allauth, the time-zone and sliding-session middleware) with a signed-in session, so it costs
  what every signed-in page costs before its own work."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


def middleware_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")
