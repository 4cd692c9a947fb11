"""The bench's WSGI entry: the app (``repair.wsgi``'s handler, every middleware) and, on one path, a
truly bare Django handler with no middleware at all, in the same gunicorn workers.

"Bare Django" has to mean what it says: Django's own request, URL resolution, view and response, and
nothing else: no session, no user, no CSP, no database. A second handler whose middleware chain is
empty serves ``BARE_PATH``; every other path goes to the app's handler. Both live in the same process,
so a page and its baseline share the workers, the Python, the machine and the minute they were
measured in, and no second settings tree is needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.baseline.settings")

BARE_PATH = "/bench/bare/"


class BareHandler(WSGIHandler):
    """Django's WSGI handler with ``MIDDLEWARE`` ignored: the view is reached straight from URL
    resolution (``BaseHandler._get_response``), as if ``MIDDLEWARE = []``."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        # django-stubs leave BaseHandler's private parts out; this is Django's own method.
        self._middleware_chain = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]


app = get_wsgi_application()  # sets Django up first
bare = BareHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == BARE_PATH:
        return bare(environ, start_response)
    return app(environ, start_response)
