from __future__ import annotations

from typing import Any, NamedTuple

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from checkins.models import (
    NOTE_FIELDS,
    SCALE_MAX,
    SCALE_MIN,
    SCALES,
    SHAREABLE_FIELDS,
    AckKind,
    Scale,
)
from checkins.services import CheckinInput
from repair.couples.forms import NULL_CHARACTER, NULL_MESSAGE

NOTE_LIMIT = 2000


class ScaleRow(NamedTuple):
    scale: Scale
    field: forms.BoundField
    # The "let my partner see this" box, when there is a partner to share with.
    share: forms.BoundField | None


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
    """Today's check-in. Three questions first; the rest wait behind "more". Every question can be
    skipped, and each one is shared with the partner only if its own box is ticked."""

    helped = _note(_("What helped, or what was hard?"), _("Optional. A line is plenty."))
    appreciated = _note(_("Something I appreciated today"), _("Optional."))
    need = _note(_("Something I need from you"), _("Optional."))

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
        for name in NOTE_FIELDS:
            # Kept in the tab as it is typed (static/js/app.js), so an expired session loses nothing.
            self.fields[name].widget.attrs["data-draft-key"] = f"checkin-{name}"
        if can_share:
            # One box a question, unticked unless chosen. With nobody to share with yet, nothing
            # is shared and we don't ask.
            for name in SHAREABLE_FIELDS:
                self.fields[f"share_{name}"] = forms.BooleanField(
                    label=_("Let my partner see this"), required=False
                )

    def _rows(self, scales: list[Scale]) -> list[ScaleRow]:
        return [
            ScaleRow(
                scale,
                self[scale.field],
                self[f"share_{scale.field}"] if self.can_share else None,
            )
            for scale in scales
        ]

    def core_rows(self) -> list[ScaleRow]:
        return self._rows([scale for scale in SCALES if scale.core])

    def more_rows(self) -> list[ScaleRow]:
        return self._rows([scale for scale in SCALES if not scale.core])

    def note_rows(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        return [
            (self[name], self[f"share_{name}"] if self.can_share else None) for name in NOTE_FIELDS
        ]

    def more_open(self) -> bool:
        """ "More" starts open when something in it has an answer or an error, so nothing chosen
        or typed is hidden from the person."""
        names = [scale.field for scale in SCALES if not scale.core] + list(NOTE_FIELDS)
        return any(self[name].errors or self[name].value() not in (None, "") for name in names)

    def to_input(self) -> CheckinInput:
        data = self.cleaned_data
        return CheckinInput(
            scales={scale.field: data.get(scale.field) for scale in SCALES},
            helped=data["helped"],
            appreciated=data["appreciated"],
            need=data["need"],
            shared=frozenset(name for name in SHAREABLE_FIELDS if data.get(f"share_{name}")),
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
