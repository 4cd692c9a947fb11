from __future__ import annotations

from django.urls import include, path

from tests.bench.baseline.views import bare, middleware_only

urlpatterns = [
    # Reached without middleware only through tests/bench/baseline/wsgi.py (its BARE_PATH).
    path("bench/bare/", bare),
    path("bench/baseline/", middleware_only),
    path("", include("repair.urls")),
]
