from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from repair.lib.clock import hour12_for
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
    # "12" or "24"; blank follows the person's language (repair/lib/clock.py).
    time_format = models.CharField(
        _("time format"),
        max_length=2,
        choices=[("12", _("12-hour")), ("24", _("24-hour"))],
        blank=True,
        default="",
    )
    # The "What's here" card on Today, put away by this person.
    whats_here_hidden = models.BooleanField(default=False)
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
    def hour12(self) -> bool:
        """Whether this person reads times on a 12-hour clock ("7:30 pm")."""
        return hour12_for(
            time_format=self.time_format,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )

    @property
    def zoneinfo(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

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
