"""The emailed-code page, allauth's view with a clock of our own: a code lasts
``EMAIL_CODE_MINUTES`` from the moment it was sent (a new code gets the full time again), "send a
new code" waits a minute between sends, and a code typed after it ran out brings a new one instead
of a dead end. allauth's own timeout (a day) only ends an attempt left open."""

from __future__ import annotations

import time
from typing import Any

from allauth.account.internal.flows.email_verification_by_code import (
    EMAIL_VERIFICATION_CODE_SESSION_KEY,
)
from allauth.account.views import ConfirmEmailVerificationCodeView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

# The least time between two codes to one address (matches ACCOUNT_RATE_LIMITS["confirm_email"]).
RESEND_WAIT_SECONDS = 60


def _state(request: HttpRequest) -> dict[str, Any] | None:
    value = request.session.get(EMAIL_VERIFICATION_CODE_SESSION_KEY)
    return value if isinstance(value, dict) else None


def _sent_at(state: dict[str, Any]) -> float:
    return float(state.get("sent_at", state.get("at", 0)))


@method_decorator(login_not_required, name="dispatch")
class EmailCodeView(ConfirmEmailVerificationCodeView):  # type: ignore[misc]
    expired_on_submit = False

    @property
    def _code_expired(self) -> bool:
        state = _state(self.request)
        return state is not None and (
            time.time() - _sent_at(state) > settings.EMAIL_CODE_MINUTES * 60
        )

    @cached_property
    def _action(self) -> str:
        action: str = ConfirmEmailVerificationCodeView._action.func(self)
        if action == "verify" and self.request.method == "POST" and self._code_expired:
            # An old code is not checked (nor counted as a wrong one): a new one goes out instead.
            self.expired_on_submit = True
            return "resend" if self._process.can_resend else "expired"
        return action

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        here = self.passthrough_next_url(reverse("account_email_verification_sent"))
        state = _state(request) or {}
        if self._action == "expired":
            return HttpResponseRedirect(here)  # the page offers a fresh start
        too_soon = time.time() - _sent_at(state) < RESEND_WAIT_SECONDS
        if self._action == "resend" and not self.expired_on_submit and too_soon:
            messages.info(
                request,
                _(
                    "We sent a code less than a minute ago. It can take a minute or two to "
                    "arrive; please look in your spam folder too. You can ask for another in "
                    "a moment."
                ),
            )
            return HttpResponseRedirect(here)
        counts = (state.get("resend_count"), state.get("change_count"))
        response: HttpResponse = super().post(request, *args, **kwargs)
        after = _state(request)
        if after is not None and (after.get("resend_count"), after.get("change_count")) != counts:
            after["sent_at"] = time.time()
            request.session[EMAIL_VERIFICATION_CODE_SESSION_KEY] = after
            if self.expired_on_submit:
                messages.info(
                    request,
                    _(
                        "That code had run out, so we've sent you a new one. It works for "
                        "%(minutes)d minutes."
                    )
                    % {"minutes": settings.EMAIL_CODE_MINUTES},
                )
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["code_minutes"] = settings.EMAIL_CODE_MINUTES
        context["code_expired"] = self._code_expired
        return context


email_code = EmailCodeView.as_view()
