from __future__ import annotations

import datetime as dt
from datetime import date, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from repair.couples.forms import NULL_CHARACTER, NULL_MESSAGE
from rituals.models import Cadence, OccurrenceStatus, ReminderSettings
from rituals.services import (
    NOTE_LIMIT,
    PAUSE_DAYS_MAX,
    PAUSE_DAYS_MIN,
    ReminderSettingsInput,
    ScheduleInput,
)

TIME_MESSAGES = {
    "required": _("Please choose a time."),
    "invalid": _("That time didn't look right — please use hours and minutes, like 19:30."),
}


def _time_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.TimeField:
    return forms.TimeField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages=TIME_MESSAGES,
    )


class ScheduleForm(forms.Form):
    """When a ritual happens. The weekday and day-of-month questions only matter for a weekly or a
    monthly ritual (the stylesheet hides the other one; without CSS both are simply shown)."""

    cadence = forms.ChoiceField(
        label=_("How often?"),
        choices=Cadence.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose how often: every day, week or month."),
            "invalid_choice": _("Please choose how often: every day, week or month."),
        },
    )
    weekday = forms.TypedChoiceField(
        label=_("On which day of the week?"),
        choices=[("", _("Choose a day")), *((str(n), name) for n, name in WEEKDAYS.items())],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Please choose a day of the week from the list.")},
    )
    day_of_month = forms.IntegerField(
        label=_("On which day of the month?"),
        help_text=_("A number from 1 to 31. Shorter months use their last day."),
        min_value=1,
        max_value=31,
        required=False,
        error_messages={
            "invalid": _("Please write a day of the month as a number from 1 to 31."),
            "min_value": _("Please write a day of the month as a number from 1 to 31."),
            "max_value": _("Please write a day of the month as a number from 1 to 31."),
        },
    )
    local_time = _time_field(
        _("At what time?"),
        help_text=_("Each of you is reminded at this time in your own time zone."),
    )
    who = forms.ChoiceField(
        label=_("For whom?"),
        choices=[("both", _("For both of us")), ("me", _("Just for me"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose who this ritual is for."),
            "invalid_choice": _("Please choose who this ritual is for."),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cadence = data.get("cadence")
        if cadence == Cadence.WEEKLY and data.get("weekday") is None:
            self.add_error("weekday", _("Which day of the week suits you both?"))
        if cadence == Cadence.MONTHLY and data.get("day_of_month") is None:
            self.add_error("day_of_month", _("Which day of the month suits you both?"))
        return data

    def to_input(self, *, ritual: str) -> ScheduleInput:
        data = self.cleaned_data
        return ScheduleInput(
            ritual=ritual,
            cadence=data["cadence"],
            local_time=data["local_time"],
            weekday=data.get("weekday"),
            day_of_month=data.get("day_of_month"),
            just_me=data["who"] == "me",
        )


DAY_MESSAGE = _("That day couldn't be read. Please try again from the calendar.")
# A day a form may name: from 2000 to a year ahead. Beyond, date arithmetic (a week around it, a
# time zone's offset) can overflow, and no ritual of ours is there.
EARLIEST_DAY = date(2000, 1, 1)
DAYS_AHEAD = timedelta(days=366)


class MarkForm(forms.Form):
    date = forms.DateField(error_messages={"required": DAY_MESSAGE, "invalid": DAY_MESSAGE})
    status = forms.ChoiceField(
        choices=OccurrenceStatus.choices,
        error_messages={
            "required": _("Please choose kept or let go."),
            "invalid_choice": _("Please choose kept or let go."),
        },
    )

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        if not EARLIEST_DAY <= day <= timezone.localdate() + DAYS_AHEAD:
            raise forms.ValidationError(DAY_MESSAGE, code="out_of_range")
        return day


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("What would you like to thank them for?"),
        help_text=_("Something small and specific is perfect."),
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write a few words first — one small thing is plenty."),
            "max_length": _(
                "That's a lot of thanks! Please keep one note under %(limit_value)d characters — or send two."
            ),
            NULL_CHARACTER: NULL_MESSAGE,
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs["maxlength"] = str(NOTE_LIMIT)

    def clean_text(self) -> str:
        text = str(self.cleaned_data.get("text") or "").strip()
        if not text:
            raise forms.ValidationError(self.fields["text"].error_messages["required"])
        return text


class ReminderSettingsForm(forms.Form):
    checkin_enabled = forms.BooleanField(label=_("Remind me to check in each day"), required=False)
    checkin_time = _time_field(_("Check-in reminder time"))
    rituals_enabled = forms.BooleanField(
        label=_("Gentle prompts for the rituals I'm part of"), required=False
    )
    notes_email_enabled = forms.BooleanField(
        label=_("Email me when a note is waiting (the email never includes the note)"),
        required=False,
    )
    quiet_start = _time_field(_("Quiet from"), required=False)
    quiet_end = _time_field(_("Quiet until"), required=False)

    @classmethod
    def for_settings(cls, prefs: ReminderSettings) -> ReminderSettingsForm:
        return cls(
            initial={
                "checkin_enabled": prefs.checkin_enabled,
                "checkin_time": prefs.checkin_time,
                "rituals_enabled": prefs.rituals_enabled,
                "notes_email_enabled": prefs.notes_email_enabled,
                "quiet_start": prefs.quiet_start,
                "quiet_end": prefs.quiet_end,
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if "quiet_start" in data and "quiet_end" in data:
            if (start is None) != (end is None):
                self.add_error(
                    "quiet_end" if end is None else "quiet_start",
                    _("Please set both a start and an end for quiet hours — or leave both empty."),
                )
            elif start is not None and start == end:
                self.add_error(
                    "quiet_end",
                    _("Quiet hours need different start and end times, like 22:00 until 07:00."),
                )
        return data

    def to_input(self) -> ReminderSettingsInput:
        data = self.cleaned_data
        checkin_time: time = data["checkin_time"]
        return ReminderSettingsInput(
            checkin_enabled=data["checkin_enabled"],
            checkin_time=checkin_time,
            rituals_enabled=data["rituals_enabled"],
            notes_email_enabled=data["notes_email_enabled"],
            quiet_start=data.get("quiet_start"),
            quiet_end=data.get("quiet_end"),
        )


PAUSE_MESSAGE = _("Please choose a number of days from 1 to 30.")


class PauseForm(forms.Form):
    days = forms.IntegerField(
        label=_("Pause all reminders for how many days?"),
        help_text=_("From 1 to 30 days. They come back by themselves, or resume them any time."),
        min_value=PAUSE_DAYS_MIN,
        max_value=PAUSE_DAYS_MAX,
        error_messages={
            "required": PAUSE_MESSAGE,
            "invalid": PAUSE_MESSAGE,
            "min_value": PAUSE_MESSAGE,
            "max_value": PAUSE_MESSAGE,
        },
    )
