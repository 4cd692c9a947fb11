from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repair.crypto import EncryptedTextField
from repair.time_zones import validate_time_zone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class SelfDescription(models.TextChoices):
    HURT = "hurt", _("I was hurt")
    CAUSED = "caused", _("I caused the hurt")
    BOTH = "both", _("Some of both")
    UNSAID = "unsaid", _("I'd rather not say")


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with an email address; belongs to at most one active couple."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # Private to this person: used only to choose which wording of a prompt they see.
    self_description = models.CharField(
        _("how you'd describe your part"),
        max_length=10,
        choices=SelfDescription.choices,
        blank=True,
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def zoneinfo(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Couple(models.Model):
    """A shared space for two people. Ended (never deleted) when either partner leaves."""

    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    MAX_MEMBERS = 2

    def __str__(self) -> str:
        return f"Couple #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Membership(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "user"], name="membership_once_per_couple"),
            # The database itself refuses a second active couple for one person.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(left_at__isnull=True),
                name="membership_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"Membership #{self.pk}"


class InviteStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    ACCEPTED = "accepted", _("accepted")
    REVOKED = "revoked", _("withdrawn")
    EXPIRED = "expired", _("expired")


class Invite(models.Model):
    """An invitation into a couple. Only a SHA-256 of the token is stored; the token itself exists
    in the link the inviter shares and nowhere else."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="invites")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    # Set when the link was emailed; empty for a copied link.
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["couple", "created_at"])]

    def __str__(self) -> str:
        return f"Invite #{self.pk}"

    def status(self, *, now: datetime) -> InviteStatus:
        if self.accepted_at is not None:
            return InviteStatus.ACCEPTED
        if self.revoked_at is not None:
            return InviteStatus.REVOKED
        if self.expires_at <= now:
            return InviteStatus.EXPIRED
        return InviteStatus.PENDING


class Heartbeat(models.Model):
    """The last time a periodic task ran, per task: the proof that beat and a worker are alive."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


# --- The staged program ------------------------------------------------------------------------
# Exercises live in repair/program/*.toml and are referred to here by their stable slug.


class ProgramEntry(models.Model):
    """A person's written answer to a reflection or a reveal-together exercise. A draft until
    submitted. A reflection is private to its author unless they share a copy: ``shared_text`` is
    that copy, written only by the explicit share and emptied by withdrawing it, so editing ``text``
    (or saving a draft from an old tab) never changes what the partner reads."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="program_entries")
    exercise = models.CharField(max_length=80)
    text = EncryptedTextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_text = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "user", "exercise"], name="program_entry_once"
            )
        ]
        indexes = [models.Index(fields=["couple", "exercise"])]

    def __str__(self) -> str:
        return f"Entry #{self.pk}"


class ExerciseCompletion(models.Model):
    """This person has done their part of an exercise, in this couple."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "user", "exercise"], name="exercise_completion_once"
            )
        ]

    def __str__(self) -> str:
        return f"Completion #{self.pk}"


class StageReadiness(models.Model):
    """A private "I'm ready to move on". Never shown to the partner: only the unlock is."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20)
    ready_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "user", "stage"], name="stage_ready_once")
        ]

    def __str__(self) -> str:
        return f"Readiness #{self.pk}"


class MapAnswer(models.Model):
    """One item of a map (intimacy map, trigger map): yes, maybe or not now."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        MAYBE = "maybe", _("Maybe")
        NOT_NOW = "not_now", _("Not now")

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    item = models.CharField(max_length=60)
    answer = models.CharField(max_length=10, choices=Answer.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "user", "exercise", "item"], name="map_answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"Map answer #{self.pk}"


class MapRound(models.Model):
    """One comparison of a map. Each person sends a snapshot of their own answers into the open
    round; when the second arrives the round is frozen: ``both_yes`` and ``both_maybe`` are worked
    out from the two snapshots once and never again, so nothing either person changes later can
    widen it (repair/program/selectors.py only ever narrows it by the live answers)."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    number = models.PositiveIntegerField()
    opened_at = models.DateTimeField(default=timezone.now)
    frozen_at = models.DateTimeField(null=True, blank=True)
    both_yes = models.JSONField(default=list, blank=True)
    both_maybe = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "exercise", "number"], name="map_round_once")
        ]

    def __str__(self) -> str:
        return f"Map round #{self.pk}"


class MapSubmission(models.Model):
    """A person's answers as they were when they pressed "Compare", into one round."""

    round = models.ForeignKey(MapRound, on_delete=models.CASCADE, related_name="submissions")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="map_submission_once")
        ]

    def __str__(self) -> str:
        return f"Map submission #{self.pk}"


class AgreementVersion(models.Model):
    """One proposed wording of a co-written agreement. Every version is kept. A version is in force
    once both partners have accepted it; it is then reviewed on ``review_on``."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    number = models.PositiveIntegerField()
    text = EncryptedTextField()
    proposed_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    in_force_at = models.DateTimeField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "exercise", "number"], name="agreement_version_number"
            )
        ]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Agreement version #{self.pk}"


class AgreementAcceptance(models.Model):
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="acceptances"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="agreement_accept_once")
        ]

    def __str__(self) -> str:
        return f"Acceptance #{self.pk}"


class PracticeLog(models.Model):
    """A guided practice done; for ladder steps, whether it felt comfortable."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    completed_at = models.DateTimeField(default=timezone.now)
    comfortable = models.BooleanField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["couple", "exercise"])]

    def __str__(self) -> str:
        return f"Practice #{self.pk}"


class Conversation(models.Model):
    """A speaker-listener conversation. The speaker has the floor and writes a short piece; the
    listener writes back what they heard; the speaker says "yes, that's it" (the floor passes) or
    "not quite" (the listener tries again). Either may call a time-out with a time to resume."""

    class State(models.TextChoices):
        SPEAKING = "speaking", _("speaking")
        REFLECTING = "reflecting", _("reflecting back")
        CONFIRMING = "confirming", _("checking")
        COMMITTING = "committing", _("writing commitments")
        ENDED = "ended", _("ended")

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SPEAKING)
    floor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    paused_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resume_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change, so a waiting page can ask "anything new?" cheaply.
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["couple", "exercise"])]

    def __str__(self) -> str:
        return f"Conversation #{self.pk}"


class ConversationTurn(models.Model):
    class Kind(models.TextChoices):
        SPEAK = "speak", _("said")
        REFLECT = "reflect", _("heard")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = EncryptedTextField()
    # For a reflection: True "yes, that's it", False "not quite", None not answered yet.
    confirmed = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Turn #{self.pk}"


class Commitment(models.Model):
    """What one partner commits to at the end of a conversation. The note is agreed when both
    partners have written theirs and both have agreed to both (``agreed_by_partner_at``)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="commitments"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField()
    agreed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="commitment_once")
        ]

    def __str__(self) -> str:
        return f"Commitment #{self.pk}"


# --- Safety ------------------------------------------------------------------------------------------


class SafetyCheck(models.Model):
    """The outcome of a person's private safety screen. Only the outcome is kept, never the answers,
    and nothing here is ever shown to the partner or to operators."""

    class Choice(models.TextChoices):
        TOGETHER = "together", _("continue with couple work")
        ALONE = "alone", _("continue on my own")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="safety_check")
    concern = models.BooleanField(default=False)
    choice = models.CharField(max_length=10, choices=Choice.choices, default=Choice.TOGETHER)
    completed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Safety check #{self.pk}"


class PauseNotice(models.Model):
    """ "I need a pause; I'll come back": a note to the partner with a time to return, no details."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    back_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["couple", "back_at"])]

    def __str__(self) -> str:
        return f"Pause notice #{self.pk}"


# --- One-time submission keys (repair/once.py) --------------------------------------------------------


class Submission(models.Model):
    """A form already acted on: the one-time key its page carried, and what it made. A repeat of
    the same key (a double tap, a retry, the back button) finds this row and the first result
    instead of creating again. Holds no words, only ids."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=40)
    key = models.UUIDField()
    result_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "purpose", "key"], name="submission_once")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"Submission #{self.pk}"
