from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from repair.access import AuthedRequest, couple_required
from repair.selectors import CoupleView


@require_GET
@couple_required()
def index(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    return render(request, "checkins/index.html", {"couple": couple})
