from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from repair.couples.models import SelfDescription, User
from repair.lib.names import NameField
from repair.lib.time_zones import time_zone_choices, time_zone_names

# A null character can't be stored or shown; it arrives only from a paste or a hand-made request.
NULL_CHARACTER = "null_characters_not_allowed"
NULL_MESSAGE = _("Part of that couldn't be read (an invisible character). Please type it again.")


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Your time zone"))
        kwargs.setdefault("help_text", _("Your days and reminders follow this time zone."))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Please pick your time zone from the list."),
                "invalid_choice": _("Please pick your time zone from the list."),
            },
        )
        super().__init__(choices=time_zone_choices, **kwargs)
        # app.js puts a search box before the list; without JavaScript it is a plain list.
        self.widget.attrs["data-time-zone-search"] = _("Search for your city or region")


class SignupDetailsForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = NameField(
        label=_("What should we call you?"),
        help_text=_("Your partner sees this name."),
        error_messages={
            "required": _("Please tell us a name to show — a first name is fine."),
            "max_length": _("Please keep it to %(limit_value)d characters."),
            NULL_CHARACTER: NULL_MESSAGE,
        },
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    time_zone = TimeZoneField(initial="UTC")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # app.js sets this to the browser's own time zone; the person can change it.
        self.fields["time_zone"].widget.attrs["data-browser-time-zone"] = ""
        self.fields["time_zone"].help_text = _(
            "Filled in from your device — change it if it's wrong. Your days and reminders follow it."
        )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["display_name", "time_zone"])


class ProfileForm(forms.Form):
    display_name = NameField(
        label=_("Display name"),
        help_text=_("Your partner sees this name."),
        error_messages={
            "required": _("Please keep a name here — a first name is fine."),
            "max_length": _("Please keep it to %(limit_value)d characters."),
            NULL_CHARACTER: NULL_MESSAGE,
        },
    )
    time_zone = TimeZoneField()
    time_format = forms.ChoiceField(
        label=_("How do you like to read the time?"),
        help_text=_("Used on every page and in emails."),
        choices=[
            ("", _("As usual for my language")),
            ("12", _("12-hour, like 7:30 pm")),
            ("24", _("24-hour, like 19:30")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    self_description = forms.ChoiceField(
        label=_("How would you describe your part in what happened? (optional, private)"),
        help_text=_(
            "Only you see this. It changes the wording of some exercises so they fit you. "
            "You can change it or leave it blank at any time."
        ),
        choices=[("", _("Not now")), *SelfDescription.choices],
        required=False,
        widget=forms.RadioSelect,
    )

    @classmethod
    def for_user(cls, user: User, data: Any = None) -> ProfileForm:
        form = cls(
            data=data,
            initial={
                "display_name": user.display_name,
                "time_zone": user.time_zone,
                "time_format": user.time_format,
                "self_description": user.self_description,
            },
        )
        field = form.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        if user.time_zone not in time_zone_names():
            # An older spelling saved before (Africa/Asmera): kept, so saving the page is no error.
            field.choices = [
                (user.time_zone, user.time_zone.replace("_", " ")),
                *time_zone_choices(),
            ]
        # app.js offers this device's zone when it differs from the saved one.
        field.widget.attrs["data-suggest-time-zone"] = _("Use this device's time zone: %(zone)s")
        return form


class InviteEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Your partner's email address"),
        error_messages={
            "required": _("Please type your partner's email address, or copy a link instead."),
            "invalid": _("That doesn't look like an email address yet. Could you check it?"),
            "max_length": _("That's longer than any email address we can send to."),
            NULL_CHARACTER: NULL_MESSAGE,
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, inviter: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inviter = inviter

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if email == self.inviter.email.lower():
            raise forms.ValidationError(
                _("That's your own address. Please use your partner's."), code="own_email"
            )
        return email


class LeaveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this ends our shared space for both of us."),
        error_messages={
            "required": _("Please tick the box to confirm — or go back if you're unsure.")
        },
    )


SAFETY_ANSWERS = [("no", _("No")), ("yes", _("Yes")), ("unsaid", _("I'd rather not say"))]


class SafetyCheckForm(forms.Form):
    """The private safety screen. Every question can be skipped."""

    afraid = forms.ChoiceField(
        label=_("Are you ever afraid of your partner?"),
        choices=SAFETY_ANSWERS,
        required=False,
        widget=forms.RadioSelect,
    )
    hurt = forms.ChoiceField(
        label=_("Has your partner ever hurt you physically, or threatened to?"),
        choices=SAFETY_ANSWERS,
        required=False,
        widget=forms.RadioSelect,
    )
    control = forms.ChoiceField(
        label=_("Does your partner control your money, your phone, or who you can see?"),
        choices=SAFETY_ANSWERS,
        required=False,
        widget=forms.RadioSelect,
    )
    pressure = forms.ChoiceField(
        label=_("Do you feel pressured to use this app, or to share things here?"),
        choices=SAFETY_ANSWERS,
        required=False,
        widget=forms.RadioSelect,
    )


PAUSE_CHOICES = [
    (15, _("in about 15 minutes")),
    (30, _("in about 30 minutes")),
    (60, _("in about an hour")),
    (180, _("in a few hours")),
    (60 * 12, _("tomorrow")),
]


class PauseNoticeForm(forms.Form):
    minutes = forms.TypedChoiceField(
        label=_("I'll come back"),
        choices=PAUSE_CHOICES,
        coerce=int,
        error_messages={
            "required": _("Please choose when you'll come back."),
            "invalid_choice": _("Please choose when you'll come back."),
        },
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={
            "required": _("Please type your password to confirm."),
            NULL_CHARACTER: NULL_MESSAGE,
        },
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That isn't your password. Please try again — or go back if you're unsure."),
                code="wrong_password",
            )
        return password
