from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repair.couples.models import Couple
from repair.lib.crypto import EncryptedTextField
from rituals.schedule import Rule


class Cadence(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")


class Proposal(models.TextChoices):
    """Where a ritual for both stands with the partner who did not choose it."""

    ACCEPTED = "", _("On for both")
    WAITING = "waiting", _("Waiting for a yes")
    NOT_NOW = "not_now", _("Not taken up for now")


class ScheduledRitual(models.Model):
    """A ritual from the library that a couple has put in their calendar."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="rituals")
    ritual = models.CharField(max_length=40)
    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    # Weekly: 0 = Monday … 6 = Sunday. Monthly: 1–31, on the last day of shorter months.
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    local_time = models.TimeField()
    # For both partners, or for one of them (e.g. a practice one of them keeps).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    # A ritual for both starts only once the partner who did not choose it says yes: until then it
    # is a proposal ("waiting"), on nobody's calendar and in nobody's reminders. "not_now": the
    # partner let it pass, and the one who chose it sees only that it wasn't taken up. Blank: on,
    # as a ritual just for one person is from the start, and every ritual made before proposals
    # existed (the default is the data migration).
    proposal = models.CharField(max_length=10, choices=Proposal.choices, blank=True, default="")
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Scheduled ritual #{self.pk}"

    @property
    def is_accepted(self) -> bool:
        return self.proposal == Proposal.ACCEPTED

    @property
    def is_waiting(self) -> bool:
        """A ritual for both, waiting for the partner's yes."""
        return self.proposal == Proposal.WAITING

    @property
    def is_not_taken_up(self) -> bool:
        return self.proposal == Proposal.NOT_NOW

    @property
    def is_active(self) -> bool:
        """On the calendar and in the reminders: accepted, not paused, not stopped."""
        return self.is_accepted and self.paused_at is None and self.stopped_at is None

    @property
    def starts_at(self) -> datetime:
        """From when its days count: when it was accepted (made, for older rows)."""
        return self.accepted_at or self.created_at

    @property
    def rule(self) -> Rule:
        """When it falls, as a pure schedule rule (rituals/schedule.py)."""
        return Rule(
            cadence=self.cadence,
            at=self.local_time,
            weekday=self.weekday if self.cadence == Cadence.WEEKLY else None,
            day_of_month=self.day_of_month if self.cadence == Cadence.MONTHLY else None,
        )


class OccurrenceStatus(models.TextChoices):
    """A ritual's day is marked kept or let go, or not at all: an unmarked day counts for nothing,
    and there is no "missed" (rituals 0008 turned the old ones into "let go"). The stored value of
    "let go" is still "skipped", the word it replaced."""

    KEPT = "kept", _("kept")
    LET_GO = "skipped", _("let go")


class OccurrenceMark(models.Model):
    """How one occurrence went, as marked by one of the people involved."""

    ritual = models.ForeignKey(ScheduledRitual, on_delete=models.CASCADE, related_name="marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    status = models.CharField(max_length=10, choices=OccurrenceStatus.choices)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ritual", "user", "date"], name="occurrence_mark_once")
        ]

    def __str__(self) -> str:
        return f"Mark #{self.pk}"


class GratitudeNote(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["couple", "created_at"])]

    def __str__(self) -> str:
        return f"Gratitude note #{self.pk}"


class ReminderSettings(models.Model):
    """One person's reminder choices. Gentle by default: the check-in reminder is off until the
    person turns it on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    checkin_enabled = models.BooleanField(default=False)
    checkin_time = models.TimeField(default="20:30")
    rituals_enabled = models.BooleanField(default=True)
    notes_email_enabled = models.BooleanField(default=False)
    # Quiet hours, in the person's local time; may wrap past midnight (22:00–07:00).
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Reminder settings #{self.pk}"


class ReminderKind(models.TextChoices):
    CHECKIN = "checkin", _("daily check-in reminder")
    RITUAL = "ritual", _("ritual prompts")
    NOTE = "note", _("gratitude note emails")
    SUMMARY = "summary", _("weekly check-in summary")


class Reminder(models.Model):
    """One recurring reminder for one person: their daily check-in, or one scheduled ritual. The
    per-minute tick finds due ones by the indexed ``next_due_at``; null means inactive."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    ritual = models.ForeignKey(
        ScheduledRitual, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    next_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_due_at"],
                name="reminder_due",
                condition=models.Q(next_due_at__isnull=False),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(kind="checkin"),
                name="reminder_one_checkin_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "ritual"],
                condition=models.Q(kind="ritual"),
                name="reminder_one_per_ritual_per_user",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(kind="summary"),
                name="reminder_one_summary_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder #{self.pk}"


class SendStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("skipped")
    # The mail server refused it for good (a 5xx reply): never retried.
    REFUSED = "refused", _("refused")
    FAILED = "failed", _("failed")


class ReminderSend(models.Model):
    """The idempotency record of one occurrence of one reminder: at most one row per (reminder,
    due time), claimed by a conditional update before the email goes out. ``attempts`` is also
    the claim's token: a worker records the outcome only for the attempt it claimed."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="sends")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.PENDING)
    reason = models.CharField(max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # After a temporary failure (a 4xx reply, a timeout), not claimed again before this.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reminder", "due_at"], name="reminder_send_once")
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Send #{self.pk}"


# Moved here from the couple core (program 0001 / rituals 0007 took it over); the table keeps its name.
class Heartbeat(models.Model):
    """The last time a periodic task ran, per task: the proof that beat and a worker are alive."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        db_table = "repair_heartbeat"

    def __str__(self) -> str:
        return self.name
