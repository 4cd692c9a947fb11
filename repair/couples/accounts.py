"""How allauth fits this product: who may sign up, where people land after signing in, and the limits
on password sign-in (repair/lib/signin_limits.py, in place of allauth's own per-email limit)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import filter_users_by_email
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repair.couples import emails
from repair.couples.pending_invite import pending_invite_exists
from repair.lib import signin_limits
from repair.lib.addresses import client_address


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    _sign_in_attempt: signin_limits.Attempt | None = None
    # allauth's messages in our words (the keys it looks up; the rest stay as it has them).
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("This account can't be used to sign in right now."),
        "cannot_remove_primary_email": _(
            "That's your main address, so it stays. Make another one your main address first."
        ),
        "duplicate_email": _("That address is already on your account."),
        "email_password_mismatch": _(
            "That email address and password don't match an account. Please check them and try "
            "again, or choose a new password."
        ),
        "email_taken": _(
            "That address already has an account. Sign in instead, or choose a new password if "
            "you've forgotten it."
        ),
        "enter_current_password": _("Please type the password you use now."),
        "incorrect_code": _(
            "That code doesn't match the one we sent. Please check it, or ask for a new one below."
        ),
        "incorrect_password": _("That isn't your password. Please try again."),
        "invalid_or_expired_key": _("That link has run out. Please ask for a new one."),
        "invalid_login": _("That didn't work. Please try again."),
        "invalid_password_reset": _(
            "That link to choose a new password has run out. Please ask for a new one."
        ),
        "max_email_addresses": _("An account can have %d email addresses at most."),
        "too_many_login_attempts": _(
            "That was a few tries in a row, so we've paused them for a little while to keep your "
            "account safe. Please try again later, or choose a new password."
        ),
        "unknown_email": _("We don't have an account with that address."),
        "unverified_primary_email": _(
            "Please confirm that address first (we sent it a code); then it can be your main one."
        ),
        "select_only_one": _("Please choose just one."),
        "same_as_current": _("That's the one you have now. Please type a different one."),
        "rate_limited": _(
            "That was a lot of tries in a short time. Please wait a minute, then try again."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.SIGNUPS_OPEN)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, object]) -> None:
        # Our name, not the request's host name, in account emails.
        context = {
            **context,
            "site_name": settings.SITE_NAME,
            "code_minutes": settings.EMAIL_CODE_MINUTES,
        }
        super().send_mail(template_prefix, email, context)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Someone who opened an invite link before signing in goes back to it, even if the ?next=
        # was lost on the way (a new tab, an email confirmation, a password reset).
        if pending_invite_exists(session=request.session):
            return reverse("invite_pending")
        return str(super().get_login_redirect_url(request))

    def get_client_ip(self, request: HttpRequest) -> str:
        # One rule for every per-address limit (TRUSTED_PROXY_COUNT, repair/lib/addresses.py);
        # allauth's own raises an error when X-Forwarded-For is shorter than the setting says.
        return client_address(request) or "unknown"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # allauth's own limit here counts failures per email alone, which lets anyone who knows an
        # address lock its owner out; ours counts per (account, address) pair, and more.
        now = timezone.now()
        outcome = signin_limits.attempt_begin(
            login=str(credentials.get("email") or ""),
            address=self.get_client_ip(request),
            now=now,
        )
        if isinstance(outcome, signin_limits.Refusal):
            raise ValidationError(outcome.message(now=now), code="too_many_login_attempts")
        self._sign_in_attempt = outcome

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        self._sign_in_attempt = None
        user = super().authenticate(request, **credentials)  # calls pre_authenticate first
        attempt = self._sign_in_attempt_taken()
        if attempt is None:
            return user
        if user is not None:
            signin_limits.attempt_succeed(attempt=attempt)
        elif signin_limits.attempt_fail(attempt=attempt):
            self._sign_in_notice_send(login=str(credentials.get("email") or ""))
        return user

    def _sign_in_attempt_taken(self) -> signin_limits.Attempt | None:
        attempt, self._sign_in_attempt = self._sign_in_attempt, None
        return attempt

    def _sign_in_notice_send(self, *, login: str) -> None:
        # Only to an account that exists, at the address it has on file; the page shown is the
        # same either way.
        for user in filter_users_by_email(login, is_active=True, prefer_verified=True)[:1]:
            emails.send_sign_in_notice(to=user.email)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # allauth calls this after a successful password reset by email: the way in that always
        # works, so it also lifts the account's daily ceiling.
        super()._delete_login_attempts_cached_email(request, **credentials)
        signin_limits.account_limits_clear(
            login=str(credentials.get("email") or ""),
            address=self.get_client_ip(request),
            now=timezone.now(),
        )
