from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "site_name": settings.SITE_NAME,
        "quick_exit_url": settings.QUICK_EXIT_URL,
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
