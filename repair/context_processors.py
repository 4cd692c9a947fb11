from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


def draft_owner(request: HttpRequest) -> str:
    """An opaque name for the signed-in person, for the script's unsent drafts (static/js/app.js):
    drafts belong to it and are dropped when a page names someone else, so on a shared device
    nobody sees the words of whoever signed in before. The same person always gets the same name,
    so their words come back after their session expired and they signed in again. It is an HMAC of
    the primary key, never the email or name, and means nothing without the secret key."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("repair.draft-owner", str(user.pk), algorithm="sha256").hexdigest()[:32]


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "site_name": settings.SITE_NAME,
        "draft_owner": draft_owner(request),
        # Screens reached from Settings: the Settings tab is the current one there.
        "settings_pages": (
            "settings",
            "leave",
            "export_data",
            "delete_account",
            "safety_check",
            "safety_support",
        ),
    }
