from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from checkins.models import SCALE_MAX, SCALE_MIN, SCALES, AckKind, Visibility
from checkins.services import CheckinInput
from repair.couples.forms import NULL_CHARACTER, NULL_MESSAGE

NOTE_LIMIT = 2000


def _note(label: StrOrPromise, hint: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": _(
                "That's a lot to hold — please keep it under %(limit_value)d characters here."
            ),
            NULL_CHARACTER: NULL_MESSAGE,
        },
    )


class CheckinForm(forms.Form):
    """Today's check-in. Every question can be skipped; only the sharing choice is asked for."""

    helped = _note(_("What helped, or what was hard?"), _("Optional. A line is plenty."))
    appreciated = _note(_("Something I appreciated today"), _("Optional."))
    need = _note(_("Something I need from you"), _("Optional."))
    visibility = forms.ChoiceField(
        label=_("Who sees this?"),
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose who sees this: just you, or you and your partner."),
            "invalid_choice": _("Please choose who sees this: just you, or you and your partner."),
        },
    )

    def __init__(self, *args: Any, can_share: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.can_share = can_share
        for scale in SCALES:
            self.fields[scale.field] = forms.TypedChoiceField(
                label=scale.label,
                choices=[("", _("skip")), *((n, str(n)) for n in range(SCALE_MIN, SCALE_MAX + 1))],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": _("Please pick one of the five points, or skip it.")
                },
            )
        for name in ("helped", "appreciated", "need"):
            # Kept in the tab as it is typed (static/js/app.js), so an expired session loses nothing.
            self.fields[name].widget.attrs["data-draft-key"] = f"checkin-{name}"
        if not can_share:
            # Nobody to share with yet: it stays private, and we don't ask.
            self.fields["visibility"].required = False
            self.fields["visibility"].widget = forms.HiddenInput()
            self.initial["visibility"] = Visibility.PRIVATE

    def scale_rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(scale, self[scale.field]) for scale in SCALES]

    def to_input(self) -> CheckinInput:
        data = self.cleaned_data
        return CheckinInput(
            visibility=data.get("visibility") or Visibility.PRIVATE,
            scales={scale.field: data.get(scale.field) for scale in SCALES},
            helped=data["helped"],
            appreciated=data["appreciated"],
            need=data["need"],
        )


class AcknowledgeForm(forms.Form):
    kind = forms.ChoiceField(
        choices=AckKind.choices,
        error_messages={
            "required": _("Please choose how to answer."),
            "invalid_choice": _("Please choose how to answer."),
        },
    )
    reply = forms.CharField(
        label=_("A short reply"),
        required=False,
        max_length=280,
        error_messages={
            "max_length": _("Please keep a reply to %(limit_value)d characters."),
            NULL_CHARACTER: NULL_MESSAGE,
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == AckKind.REPLY and not (data.get("reply") or "").strip():
            self.add_error("reply", _("Write a few words first — or send a heart instead."))
        return data


class PreferencesForm(forms.Form):
    weekly_summary = forms.BooleanField(
        label=_(
            "Send me a weekly summary email (only how many check-ins each of us made, never what we wrote)"
        ),
        required=False,
    )
