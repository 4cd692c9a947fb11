from __future__ import annotations

from django.urls import include, path

from tests.bench.baseline.views import baseline

urlpatterns = [
    path("bench/baseline/", baseline),
    path("", include("repair.urls")),
]
