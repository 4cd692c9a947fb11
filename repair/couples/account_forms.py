"""allauth's account forms with our labels and hints: plain questions, no placeholders repeating
the label, one calm sentence in place of the list of password rules. Its own module because
repair.couples.forms is allauth's sign-up base class (ACCOUNT_SIGNUP_FORM_CLASS) and importing
allauth's forms from there would be circular."""

from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from repair.couples.pending_invite import pending_invite_find, pending_therapist_invite_exists

NEW_PASSWORD_HINT = _(
    "At least 8 characters, not only numbers, and not one people often use. "
    "A short sentence you'll remember works well."
)
EMAIL_QUESTION = _("What's your email address?")
CURRENT_PASSWORD_QUESTION = _("What's your password?")
NEW_PASSWORD_QUESTION = _("What would you like your new password to be?")
AGAIN_QUESTION = _("Type the new password once more, so we know it's right")
CODE_QUESTION = _("What's the code in the email?")


def _voice(form: forms.Form, wording: dict[str, tuple[StrOrPromise, StrOrPromise | None]]) -> None:
    """Our label and hint on each named field that the form has; no placeholder."""
    for name, (label, hint) in wording.items():
        field = form.fields.get(name)
        if field is None:
            continue
        field.label = label
        field.help_text = hint or ""
        field.widget.attrs.pop("placeholder", None)


class SignupForm(allauth_forms.SignupForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(
            self,
            {
                "email": (
                    EMAIL_QUESTION,
                    _("We send a code here to check it's yours. Your partner never sees it."),
                ),
                "password1": (_("Choose a password"), NEW_PASSWORD_HINT),
            },
        )
        request = context.request
        if pending_therapist_invite_exists(session=request.session):
            # A therapist a couple invited: no partner, and the couples see their name.
            _voice(
                self,
                {
                    "email": (
                        EMAIL_QUESTION,
                        _("We send a code here to check it's yours. Nobody else sees it."),
                    ),
                    "display_name": (
                        _("What should we call you?"),
                        _("The couples who invite you see this name."),
                    ),
                },
            )
        # Someone who opened an emailed invite need not type the address it came to.
        if not self.is_bound:
            invite = pending_invite_find(session=request.session)
            if invite is not None and invite.email:
                self.initial.setdefault("email", invite.email)


class LoginForm(allauth_forms.LoginForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(
            self,
            {
                "login": (EMAIL_QUESTION, None),
                "password": (CURRENT_PASSWORD_QUESTION, None),
                "remember": (_("Keep me signed in on this device"), None),
            },
        )


class ResetPasswordForm(allauth_forms.ResetPasswordForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(
            self,
            {
                "email": (
                    _("Which email address do you sign in with?"),
                    _("We'll send a link there to choose a new password."),
                )
            },
        )


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(
            self,
            {
                "password1": (NEW_PASSWORD_QUESTION, NEW_PASSWORD_HINT),
                "password2": (AGAIN_QUESTION, None),
            },
        )


class ChangePasswordForm(allauth_forms.ChangePasswordForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(
            self,
            {
                "oldpassword": (_("What's your password now?"), None),
                "password1": (NEW_PASSWORD_QUESTION, NEW_PASSWORD_HINT),
                "password2": (AGAIN_QUESTION, None),
            },
        )


class SetPasswordForm(allauth_forms.SetPasswordForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(
            self,
            {
                "password1": (_("What would you like your password to be?"), NEW_PASSWORD_HINT),
                "password2": (_("Type it once more, so we know it's right"), None),
            },
        )


class AddEmailForm(allauth_forms.AddEmailForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(
            self,
            {
                "email": (
                    _("Which address would you like to add?"),
                    _("We send a code there to check it's yours."),
                )
            },
        )


class ReauthenticateForm(allauth_forms.ReauthenticateForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(self, {"password": (CURRENT_PASSWORD_QUESTION, None)})


class ConfirmEmailVerificationCodeForm(allauth_forms.ConfirmEmailVerificationCodeForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(self, {"code": (CODE_QUESTION, _("Eight letters and numbers, like ABCD-1234."))})
        self.fields["code"].widget.attrs.update(
            {"autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"}
        )


class ChangeEmailForm(allauth_forms.ChangeEmailForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _voice(
            self,
            {"email": (_("Which address should we send the code to instead?"), None)},
        )
