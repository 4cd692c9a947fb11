from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from repair.couples.models import Couple
from repair.lib.crypto import EncryptedTextField


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Just me")
    SHARED = "shared", _("Shared with my partner")


@dataclass(frozen=True)
class Scale:
    """One question of the check-in, answered 1 to 5 with words at both ends (never bare numbers).
    Every scale runs the same way: 1 is the harder end, 5 the easier one."""

    field: str
    label: StrOrPromise
    low: StrOrPromise
    high: StrOrPromise
    # One of the three questions on the first screen; the rest wait behind "more".
    core: bool = False


SCALES = (
    Scale("safety", _("Felt safety"), _("on edge"), _("safe"), core=True),
    Scale("closeness", _("Closeness"), _("far apart"), _("close"), core=True),
    Scale("mood", _("Mood"), _("low"), _("bright"), core=True),
    Scale("trust", _("Trust"), _("shaky"), _("steady")),
    Scale("touch", _("Openness to touch"), _("not today"), _("welcome")),
    # Stored as "stress" but asked as calm, so it runs the way the others do (checkins 0006
    # turned the answers given the other way round).
    Scale("stress", _("Calm"), _("overwhelmed"), _("calm")),
    Scale("sleep", _("Sleep"), _("restless"), _("rested")),
)
SCALE_FIELDS = tuple(scale.field for scale in SCALES)
SCALE_MIN, SCALE_MAX = 1, 5
NOTE_FIELDS = ("helped", "appreciated", "need")
# What the author can choose, one by one, to let the partner see.
SHAREABLE_FIELDS = (*SCALE_FIELDS, *NOTE_FIELDS)


def _scale_field(verbose: str) -> models.PositiveSmallIntegerField[int | None, int | None]:
    return models.PositiveSmallIntegerField(verbose, null=True, blank=True)


class CheckIn(models.Model):
    """One person's check-in for one of their local days. Private unless they chose to share it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins"
    )
    # The couple at the time of writing: a shared check-in is shown only inside this couple, and
    # only while it is active. Null when the person had no couple.
    couple = models.ForeignKey(
        Couple, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    local_date = models.DateField()
    # "shared" when the author let the partner see at least one answer; which ones is
    # ``shared_fields``. A partner is shown only those, and only through checkins/selectors.py.
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    # A JSON list of names from SHAREABLE_FIELDS (JSON, not an array: SQLite runs this too).
    shared_fields = models.JSONField(default=list, blank=True)

    safety = _scale_field("felt safety")
    closeness = _scale_field("closeness")
    trust = _scale_field("trust")
    touch = _scale_field("openness to touch")
    mood = _scale_field("mood")
    stress = _scale_field("stress")
    sleep = _scale_field("sleep")

    # What a person writes is encrypted at rest (repair/lib/crypto.py); the scales above are not.
    helped = EncryptedTextField(blank=True)
    appreciated = EncryptedTextField(blank=True)
    need = EncryptedTextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "local_date"], name="checkin_one_per_local_day"
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{field}__isnull": True})
                    | models.Q(**{f"{field}__gte": SCALE_MIN, f"{field}__lte": SCALE_MAX}),
                    name=f"checkin_{field}_in_range",
                )
                for field in SCALE_FIELDS
            ),
        ]
        indexes = [models.Index(fields=["couple", "visibility", "local_date"])]

    def __str__(self) -> str:
        return f"Check-in #{self.pk}"

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED

    def scale_values(self) -> dict[str, int | None]:
        return {field: getattr(self, field) for field in SCALE_FIELDS}

    def answered_scales(self) -> list[tuple[Scale, int, bool]]:
        """(scale, answer, shared) for each question answered, in the form's order."""
        return [
            (scale, value, scale.field in self.shared_fields)
            for scale in SCALES
            if (value := getattr(self, scale.field)) is not None
        ]

    def only_shared(self) -> CheckIn:
        """This check-in as the partner may see it: every answer its author did not choose to
        share is blanked (in memory; never saved). Used by the selectors and nowhere else."""
        for name in SCALE_FIELDS:
            if name not in self.shared_fields:
                setattr(self, name, None)
        for name in NOTE_FIELDS:
            if name not in self.shared_fields:
                setattr(self, name, "")
        return self


class AckKind(models.TextChoices):
    THANKS = "thanks", _("Thank you for sharing")
    HEART = "heart", _("A heart")
    REPLY = "reply", _("A short reply")


class Acknowledgement(models.Model):
    """The partner's answer to a shared check-in: one per check-in, replaceable."""

    checkin = models.OneToOneField(
        CheckIn, on_delete=models.CASCADE, related_name="acknowledgement"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=AckKind.choices)
    # Up to 280 characters (checkins/forms.py); a TextField because the stored token is longer.
    reply = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Acknowledgement #{self.pk}"


class CheckinPreferences(models.Model):
    """Per-person check-in settings. The last sharing choice is not stored: it is read from the
    person's latest check-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkin_preferences"
    )
    weekly_summary = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Check-in preferences #{self.pk}"
