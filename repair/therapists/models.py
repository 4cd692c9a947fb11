"""A couple's own therapist: a consented, read-only window onto what both partners chose.

One ``TherapistAccess`` per invitation. It is open only while all of these hold (``selectors``):
the therapist accepted the invitation, both partners agreed (a ``TherapistConsent`` each, given
privately), nobody ended it, and the couple is still together. Either partner ends it alone, at
once; who ended it is not stored, so it can never be shown."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repair.couples.models import Couple


class Scope(models.TextChoices):
    """The kinds of things a therapist may see, chosen together: each partner picks the kinds they
    are willing to show, and the therapist sees only the kinds both picked."""

    CHECKINS = "checkins", _("Shared check-ins")
    AGREEMENTS = "agreements", _("Agreements in force, and their versions")
    COMMITMENTS = "commitments", _("Commitment notes")
    RITUALS = "rituals", _("Rituals kept or let go")
    STAGES = "stages", _("Which stages are open")


class TherapistAccess(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    # The therapist's account, once they accepted. SET_NULL: a therapist who deletes their account
    # leaves the couple's log in place, and the window is closed (no therapist, no view).
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField()
    # Only a SHA-256 of the link's token, as for partner invites (repair/lib/tokens.py).
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Ended by either partner (never recorded which), by leaving, or by deleting an account.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One therapist invitation at a time per couple.
            models.UniqueConstraint(
                fields=["couple"],
                condition=models.Q(ended_at__isnull=True),
                name="therapist_access_one_open_per_couple",
            )
        ]

    def __str__(self) -> str:
        return f"Therapist access #{self.pk}"

    def invite_open(self, *, now: datetime) -> bool:
        return self.ended_at is None and self.accepted_at is None and self.expires_at > now


class TherapistConsent(models.Model):
    """One partner's own yes, and the kinds they are willing to show. Never shown to the other
    partner; only the kinds both chose (the intersection) reach the therapist."""

    access = models.ForeignKey(TherapistAccess, on_delete=models.CASCADE, related_name="consents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scopes = models.JSONField(default=list, blank=True)
    agreed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["access", "user"], name="therapist_consent_once")
        ]

    def __str__(self) -> str:
        return f"Therapist consent #{self.pk}"


class ItemKind(models.TextChoices):
    CHECKIN = "checkin", _("a check-in")
    NOTES = "notes", _("the notes of a check-in")
    COMMITMENT = "commitment", _("a commitment note")
    AGREEMENT = "agreement", _("an agreement")


class TherapistItem(models.Model):
    """One partner's choice about a single item of theirs: a check-in's notes shown to the
    therapist too (``shown``), or anything they had shared held back (``withheld``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    key = models.CharField(max_length=80)
    withheld = models.BooleanField(default=False)
    shown = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "couple", "kind", "key"], name="therapist_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"Therapist item choice #{self.pk}"


class ViewKind(models.TextChoices):
    OVERVIEW = "overview", _("your shared page")
    SUMMARY = "summary", _("the printable summary")


class TherapistView(models.Model):
    """What the therapist opened and when: both partners can read this log at any time."""

    access = models.ForeignKey(TherapistAccess, on_delete=models.CASCADE, related_name="views")
    kind = models.CharField(max_length=10, choices=ViewKind.choices)
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["access", "viewed_at"])]

    def __str__(self) -> str:
        return f"Therapist view #{self.pk}"


class SuggestionKind(models.TextChoices):
    EXERCISE = "exercise", _("an exercise")
    RITUAL = "ritual", _("a ritual")


class TherapistSuggestion(models.Model):
    """The one thing a therapist may write: a suggestion of an exercise or a ritual, by its slug,
    chosen from our own lists (no free text). A new suggestion replaces the last one."""

    access = models.OneToOneField(
        TherapistAccess, on_delete=models.CASCADE, related_name="suggestion"
    )
    kind = models.CharField(max_length=10, choices=SuggestionKind.choices)
    slug = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Therapist suggestion #{self.pk}"
