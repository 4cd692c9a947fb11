from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repair.lib.clock import person_clock
from repair.lib.crypto import EncryptedTextField
from repair.lib.time_zones import validate_time_zone


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


class Clock(models.TextChoices):
    """How the person reads a time of day (repair/lib/clock.py). Blank: as their language does."""

    LANGUAGE = "", _("From my language")
    H12 = "12", _("12-hour (9:30 p.m.)")
    H24 = "24", _("24-hour (21:30)")


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with an email address; belongs to at most one active couple."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    clock = models.CharField(
        _("clock"), max_length=2, choices=Clock.choices, blank=True, default=Clock.LANGUAGE
    )
    # The language the person's browser named (Accept-Language, "en-US") when they signed up or
    # last saved Settings: a blank ``clock`` follows it (repair/lib/clock.py).
    language = models.CharField(_("language"), max_length=35, blank=True)
    # The "What's here" card on Today, put away by this person.
    whats_here_hidden = models.BooleanField(default=False)
    # A couple's own therapist (repair/therapists/): an account with no couple of its own, ever. It opens
    # only the couples that invited it and both agreed to, read-only (repair/therapists/access.py).
    is_therapist = models.BooleanField(default=False)
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

    @property
    def time_clock(self) -> str:
        """ "12" or "24": the person's clock format, chosen or from their language."""
        return person_clock(self)

    def local_now(self, now: datetime | None = None) -> datetime:
        """``now`` (or this moment) on this person's own clock."""
        return timezone.localtime(now or timezone.now(), self.zoneinfo)

    def local_today(self, now: datetime | None = None) -> date:
        """This person's own calendar day, in their own time zone."""
        return self.local_now(now).date()


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


# --- Safety ------------------------------------------------------------------------------------------


class SafetyCheck(models.Model):
    """The outcome of a person's private safety screen. Only the outcome is kept, never the answers,
    and nothing here is ever shown to the partner or to operators."""

    class Choice(models.TextChoices):
        TOGETHER = "together", _("continue with couple work")
        ALONE = "alone", _("continue on my own")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="safety_check")
    concern = models.BooleanField(default=False)
    # The concern came only from "I'd rather not say" on fear or harm: met just as gently, in
    # softer words, and with the same choice.
    possible = models.BooleanField(default=False)
    choice = models.CharField(max_length=10, choices=Choice.choices, default=Choice.TOGETHER)
    completed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Safety check #{self.pk}"


class SafetyCheckOffer(models.Model):
    """The check offered again, privately, at a moment that asks more of a person (before the
    Consent stage, before the injury is told, after days of feeling on edge), and when they
    answered it or set it aside. Holds no answers."""

    class Moment(models.TextChoices):
        CONSENT = "consent", _("before the Consent stage")
        INJURY = "injury", _("before telling the hurt")
        LOW_SAFETY = "low-safety", _("after several days of feeling on edge")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    moment = models.CharField(max_length=20, choices=Moment.choices)
    settled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "moment"], name="safety_offer_once_per_moment")
        ]

    def __str__(self) -> str:
        return f"Safety check offer #{self.pk}"


class PauseNotice(models.Model):
    """ "I need a pause; I'll come back": a note to the partner with a time to return (or none:
    "for a while, until I say I'm back"), no details. The one who paused can end it early."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # Null: open-ended, until they say they're back.
    back_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # "I'm back" (or "cancel") ends it before its time.
    ended_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["couple", "back_at"])]

    def __str__(self) -> str:
        return f"Pause notice #{self.pk}"

    def length(self) -> timedelta | None:
        """How long it was asked for; None for "until I say I'm back"."""
        return None if self.back_at is None else self.back_at - self.created_at

    def running(self, *, now: datetime) -> bool:
        return self.ended_at is None and (self.back_at is None or self.back_at > now)


class HardMoment(models.Model):
    """A moment when a trigger or an intrusive image hit ("When it hits"): an optional private
    note, only ever shown to its writer, and an optional wordless signal to the partner."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # The couple at the time, for the signal. SET_NULL: the note stays the writer's own even if
    # the space is deleted after the other partner leaves.
    couple = models.ForeignKey(
        Couple, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = EncryptedTextField(blank=True)
    signal = models.BooleanField(default=False)
    signal_ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    NOTE_MAX = 4000
    # How long a quiet signal shows on the partner's Today, unless its sender takes it down sooner.
    SIGNAL_SHOWN_FOR = timedelta(hours=2)

    class Meta:
        indexes = [models.Index(fields=["couple", "created_at"])]

    def __str__(self) -> str:
        return f"Hard moment #{self.pk}"

    @property
    def signal_until(self) -> datetime:
        return self.created_at + self.SIGNAL_SHOWN_FOR


# --- One-time submission keys (repair/couples/once.py) --------------------------------------------------------


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
