"""How allauth fits this product: who may sign up, and where people land after signing in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from repair.pending_invite import pending_invite_exists


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.SIGNUPS_OPEN)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, object]) -> None:
        # Our name, not the request's host name, in account emails.
        context = {**context, "site_name": settings.SITE_NAME}
        super().send_mail(template_prefix, email, context)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Someone who opened an invite link before signing in goes back to it, even if the ?next=
        # was lost on the way (a new tab, an email confirmation, a password reset).
        if pending_invite_exists(session=request.session):
            return reverse("invite_pending")
        return str(super().get_login_redirect_url(request))
