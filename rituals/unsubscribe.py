"""One-click unsubscribe from one kind of reminder, without signing in.

GET shows a page with a button (mail scanners follow links, so a GET changes nothing). POST turns the
reminder off: from that button, or straight from a mail client honouring the ``List-Unsubscribe-Post``
header (RFC 8058), which sends no CSRF token — the signed token in the URL is the proof instead.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rituals import reminders
from rituals.models import ReminderKind


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = reminders.unsubscribe_read(token=token)
    if found is None:
        return render(request, "rituals/unsubscribe.html", {"invalid": True}, status=404)
    user, kind = found
    done = False
    if request.method == "POST":
        reminders.unsubscribe(user=user, kind=kind)
        done = True
    return render(
        request,
        "rituals/unsubscribe.html",
        {"kind_label": ReminderKind(kind).label, "done": done},
    )
