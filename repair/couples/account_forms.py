"""allauth's account forms with our labels and hints: plain questions, one calm sentence in place of
the list of password rules. Its own module because repair.couples.forms is allauth's sign-up base
class (ACCOUNT_SIGNUP_FORM_CLASS) and importing allauth's forms from there would be circular."""

from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from django.utils.translation import gettext_lazy as _

NEW_PASSWORD_HINT = _(
    "At least 8 characters, not only numbers, and not one people often use. "
    "A short sentence you'll remember works well."
)


class SignupForm(allauth_forms.SignupForm):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("What's your email address?")
        self.fields["email"].help_text = _(
            "We send a code here to check it's yours. Your partner never sees it."
        )
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["password1"].label = _("Choose a password")
        self.fields["password1"].help_text = NEW_PASSWORD_HINT
