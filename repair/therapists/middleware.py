"""Where a therapist account may go: its own screens, its account settings, and the pages that are
the same for everyone. Every couple page, and anything one would use as a partner (check-ins,
rituals, pause, the safety screen, starting a space), sends it to its list of couples instead.
An allow-list, so a page added later is closed to therapists until someone decides otherwise."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from repair.therapists.pending import pending_exists

THERAPIST_MAY_OPEN = frozenset(
    {
        "settings",
        "export_data",
        "delete_account",
        "account_deleted",
        "quick_exit",
        "resources",
        "reads",
        "read",
        "unsubscribe",
        "outbox",
        "account_email_verification_sent",
    }
)
# Where a person who opened a therapist invitation before signing up lands afterwards.
LANDINGS = frozenset({"today", "start"})


class TherapistBoundaryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        args: tuple[object, ...],
        kwargs: dict[str, object],
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        match = request.resolver_match
        if user is None or not user.is_authenticated or match is None:
            return None
        name = match.view_name
        if getattr(user, "is_therapist", False):
            if (
                name in THERAPIST_MAY_OPEN
                or name.startswith("therapists:")
                or match.route.startswith(("accounts/", "admin/"))
            ):
                return None
            return redirect("therapists:home")
        if name in LANDINGS and pending_exists(session=request.session):
            return redirect("therapists:invite_pending")
        return None
