from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from repair.couples.forms import NULL_CHARACTER, NULL_MESSAGE
from repair.therapists.models import ItemKind, Scope


class TherapistInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Your therapist's email address"),
        error_messages={
            "required": _("Please type your therapist's email address."),
            "invalid": _("That doesn't look like an email address yet. Could you check it?"),
            "max_length": _("That's longer than any email address we can send to."),
            NULL_CHARACTER: NULL_MESSAGE,
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class AgreeForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label=_("What you're willing for them to see"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _(
                "Please tick at least one kind of thing. To show nothing, end the access instead."
            ),
            "invalid_choice": _("Please tick from the list."),
        },
    )


class ItemForm(forms.Form):
    kind = forms.ChoiceField(choices=ItemKind.choices)
    key = forms.CharField(max_length=80)
    action = forms.ChoiceField(
        choices=[("withhold", "withhold"), ("show", "show"), ("notes", "notes"), ("no-notes", "-")]
    )


class SuggestForm(forms.Form):
    suggestion = forms.ChoiceField(
        label=_("Suggest one exercise or ritual"),
        error_messages={
            "required": _("Please pick something from the list."),
            "invalid_choice": _("Please pick something from the list."),
        },
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["suggestion"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *choices]


# The longest period one summary covers.
PERIOD_MAX = timedelta(days=366)


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Please choose a date.")},
    )
    end = forms.DateField(
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Please choose a date.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                raise forms.ValidationError(_("The end comes before the start. Please swap them."))
            if end - start > PERIOD_MAX:
                raise forms.ValidationError(_("Please choose a period of a year or less."))
        return data
