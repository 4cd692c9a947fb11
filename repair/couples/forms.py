from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from repair.couples.models import Clock, HardMoment, User
from repair.lib.clock import CLOCK_12, language_clock, language_tag
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
        # Their language's clock format until they choose one (repair/lib/clock.py).
        user.language = language_tag(request.headers.get("Accept-Language", ""))
        user.save(update_fields=["display_name", "time_zone", "language"])


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
    clock = forms.ChoiceField(
        label=_("Show times as"),
        choices=Clock.choices,
        required=False,
        error_messages={"invalid_choice": _("Please pick one of the ways to show times.")},
    )

    @classmethod
    def for_user(cls, user: User, data: Any = None) -> ProfileForm:
        form = cls(
            data=data,
            initial={
                "display_name": user.display_name,
                "time_zone": user.time_zone,
                "clock": user.clock,
            },
        )
        clock = form.fields["clock"]
        assert isinstance(clock, forms.ChoiceField)
        # Short, so the closed list fits a 320 px screen: the way a time would look.
        example = _("9:30 p.m.") if language_clock(user.language) == CLOCK_12 else "21:30"
        clock.choices = [
            (
                Clock.LANGUAGE.value,
                _("From my language (%(example)s)") % {"example": example},
            ),
            (Clock.H12.value, Clock.H12.label),
            (Clock.H24.value, Clock.H24.label),
        ]
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
        if user.is_therapist:
            # A therapist account (repair/therapists/) has no partner, and no part in what happened.
            form.fields["display_name"].help_text = _("The couples who invited you see this name.")
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


def _safety_question(label: StrOrPromise) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=SAFETY_ANSWERS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Please choose one of the answers, or leave it blank.")
        },
    )


class SafetyCheckForm(forms.Form):
    """The private safety screen: our own plain questions about what couple work must not go on
    top of. Every question can be skipped; only the outcome is kept (services.safety_check_record)."""

    afraid = _safety_question(
        _("Do you ever feel afraid of your partner, or of what they might do?")
    )
    hurt = _safety_question(
        _("Has your partner ever pushed, hit or physically hurt you — or threatened to?")
    )
    strangled = _safety_question(
        _(
            "Has your partner ever put their hands or anything else around your neck, choked or strangled you — even once?"
        )
    )
    sexual = _safety_question(
        _("Has your partner ever pressured or forced you into sexual things you didn't want?")
    )
    insults = _safety_question(
        _("Does your partner often insult you, put you down, or make you feel small?")
    )
    control = _safety_question(
        _("Does your partner control your money, check your phone, or decide who you can see?")
    )
    pressure = _safety_question(
        _("Do you feel pushed to use this app, or to share what you write here?")
    )


PAUSE_CHOICES = [
    (15, _("in about 15 minutes")),
    (30, _("in about 30 minutes")),
    (60, _("in about an hour")),
    (180, _("in a few hours")),
    (60 * 12, _("tomorrow")),
    (0, _("after a while — I'll say when I'm back")),
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


class HardMomentNoteForm(forms.Form):
    """ "When it hits": a private note, only for the one who writes it."""

    note = forms.CharField(
        label=_("A note for yourself (optional)"),
        help_text=_(
            "Only you will ever see this — never your partner. What set it off, what you felt, "
            "what helped. Writing it down can help it settle."
        ),
        max_length=HardMoment.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "data-draft-key": "when-it-hits-note"}),
        error_messages={
            "required": _("There's nothing written yet. A word or two is enough, if you want to."),
            "max_length": _(
                "That's a lot to hold. Please keep one note under %(limit_value)d characters — or keep two."
            ),
            NULL_CHARACTER: NULL_MESSAGE,
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["maxlength"] = str(HardMoment.NOTE_MAX)


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
