"""The person's own data: downloading it, and deleting their account."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from repair.couples.access import AuthedRequest
from repair.couples.forms import DeleteAccountForm
from repair.couples.selectors import couple_for_user
from repair.home import privacy
from repair.lib import ratelimit

# Wrong passwords on the delete page, per person: a session left open on a shared device is not a
# way to guess at the password.
DELETE_TRIES = 5
DELETE_TRIES_WINDOW = 10 * 60  # seconds
GOODBYE_KEY = "account_deleted"


def _download(content: str, *, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="mend-my-data-{stamp}.{extension}"'
    # Private words: not for any cache, shared or in the browser.
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def export_data(request: AuthedRequest) -> HttpResponse:
    fmt = request.GET.get("format")
    if fmt == "json":
        payload = privacy.export_for(user=request.user)
        return _download(
            json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
            extension="json",
        )
    if fmt == "html":
        # A file that opens on its own, offline: no links to our styles, scripts or images.
        document = render_to_string(
            "repair/export/document.html",
            {
                "sections": privacy.export_sections(user=request.user),
                "person": request.user,
                "exported_at": timezone.now(),
                "site_name": settings.SITE_NAME,
            },
        )
        return _download(document, content_type="text/html; charset=utf-8", extension="html")
    return render(request, "repair/export.html")


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=user)
    too_many = False
    if request.method == "POST" and request.POST.get("password"):
        too_many = not ratelimit.allow(
            key=f"delete-account:{user.pk}", limit=DELETE_TRIES, window_seconds=DELETE_TRIES_WINDOW
        )
    if too_many:
        # Not even "wrong" or "right" once the tries are used up.
        form = DeleteAccountForm(user=user)
    elif request.method == "POST" and form.is_valid():
        privacy.account_delete(user=user)
        logout(request)
        request.session[GOODBYE_KEY] = True
        return redirect("account_deleted")
    context = {"form": form, "too_many": too_many, "couple": couple_for_user(user=user)}
    return render(request, "repair/delete_account.html", context, status=429 if too_many else 200)


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    """The goodbye page, once, right after deleting; anyone else is sent on."""
    if not request.session.pop(GOODBYE_KEY, False):
        return redirect("today")
    return render(request, "repair/goodbye.html")
