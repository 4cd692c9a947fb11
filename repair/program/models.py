"""The staged program's rows: what each person wrote, chose and did in the exercises of
``repair/program/*.toml`` (referred to by their stable slug).

These tables were made when the program's models lived in the couple core, so each keeps its
original name (``db_table``); migration program 0001 took them over without touching the database.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repair.couples.models import Couple, User
from repair.lib.crypto import EncryptedTextField


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
        db_table = "repair_programentry"
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
        db_table = "repair_exercisecompletion"
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
        db_table = "repair_stagereadiness"
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
        db_table = "repair_mapanswer"
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
        db_table = "repair_mapround"
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
        db_table = "repair_mapsubmission"
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
    # For one partner's own commitments (an Atone step), which run of the repair track.
    direction = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "repair_agreementversion"
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "exercise", "direction", "number"],
                name="agreement_version_number",
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
        db_table = "repair_agreementacceptance"
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
        db_table = "repair_practicelog"
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
    # For an Atone step, which run of the repair track (0, or 1 where both hurt each other).
    direction = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "repair_conversation"
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
        db_table = "repair_conversationturn"
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
        db_table = "repair_commitment"
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="commitment_once")
        ]

    def __str__(self) -> str:
        return f"Commitment #{self.pk}"


class RolesKind(models.TextChoices):
    """Whose hurt the repair work is about, as the couple says together (care.md)."""

    ONE_HURT = "one_hurt", _("One of us was hurt by the other")
    BOTH_HURT = "both_hurt", _("We both hurt each other")
    NEUTRAL = "neutral", _("We'd rather not say")


class RolesRound(models.Model):
    """One time of saying, each privately, whose hurt this is. Each person sends a proposal into
    the open round; when the second arrives the round is frozen as matched or not, once. A new
    round takes both sending again, so changing one's own answer never tests it against the
    partner's: that is how a curious partner cannot find out the other's private answer."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    opened_at = models.DateTimeField(default=timezone.now)
    frozen_at = models.DateTimeField(null=True, blank=True)
    matched = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "number"], name="roles_round_once")
        ]

    def __str__(self) -> str:
        return f"Roles round #{self.pk}"


class RolesProposal(models.Model):
    """A person's private answer in one round. ``hurt`` is who was hurt (one_hurt), or whose hurt
    is told first (both_hurt); empty for neutral. Never shown to the partner."""

    round = models.ForeignKey(RolesRound, on_delete=models.CASCADE, related_name="proposals")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=RolesKind.choices)
    hurt = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="roles_proposal_once")
        ]

    def __str__(self) -> str:
        return f"Roles proposal #{self.pk}"


class AgreedRoles(models.Model):
    """The roles in effect for a couple: both sent the same answer in one round. Either partner
    may reopen them (the row goes; the answers written under it stay)."""

    couple = models.OneToOneField(Couple, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=RolesKind.choices)
    hurt = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agreed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Roles #{self.pk}"


class ApologyVersion(models.Model):
    """One version of the apology, in its four parts, written by the partner who caused the hurt
    for one direction. Every version is kept; the hurt partner reads the newest and may read all."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    direction = models.PositiveSmallIntegerField(default=0)
    number = models.PositiveIntegerField()
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    damage = EncryptedTextField()
    owning = EncryptedTextField()
    changes = EncryptedTextField()
    signs = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "exercise", "direction", "number"], name="apology_version_number"
            )
        ]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Apology version #{self.pk}"


class ApologyAnswer(models.Model):
    """The hurt partner's answer to one version: what they heard and what they still need. No
    forgiveness is asked for, so there is no field for it."""

    version = models.ForeignKey(ApologyVersion, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    heard = EncryptedTextField()
    still_need = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Apology answer #{self.pk}"


class AtoneQuestion(models.Model):
    """A question the hurt partner asks about the injury, and the other partner's answer. Either
    may park it (it comes back when unparked); asking again makes a new question that points to
    the one before (``again_of``)."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    direction = models.PositiveSmallIntegerField(default=0)
    asker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField()
    asked_at = models.DateTimeField(default=timezone.now)
    again_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parked_at = models.DateTimeField(null=True, blank=True)
    answer = EncryptedTextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]
        indexes = [models.Index(fields=["couple", "exercise", "direction"])]

    def __str__(self) -> str:
        return f"Question #{self.pk}"


class RunDone(models.Model):
    """One run of an Atone step closed by the person it belongs to (the hurt partner has asked
    what they need to, for now)."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    direction = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "exercise", "direction"], name="run_done_once"
            )
        ]

    def __str__(self) -> str:
        return f"Run done #{self.pk}"


class ExerciseSkip(models.Model):
    """One person let an exercise go, privately and without a reason; undone by deleting it. It
    counts as their part done for opening the next stage, and is shown to them alone."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    skipped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "user", "exercise"], name="skip_once")
        ]

    def __str__(self) -> str:
        return f"Skip #{self.pk}"


class LadderClosure(models.Model):
    """A closeness step closed again, for now. Deliberately without an author: nothing kept can
    tell either partner who closed it. It opens again when both have asked (``LadderReopen``)."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "exercise"], name="ladder_closed_once")
        ]

    def __str__(self) -> str:
        return f"Ladder closure #{self.pk}"


class LadderReopen(models.Model):
    """One person's private "I'd like this step open again", while it is closed."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    asked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "user", "exercise"], name="ladder_reopen_once"
            )
        ]

    def __str__(self) -> str:
        return f"Ladder reopen #{self.pk}"


class StageOpenedSeen(models.Model):
    """One person put away the "a new stage is open" notice for a stage."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "user", "stage"], name="stage_opened_seen")
        ]

    def __str__(self) -> str:
        return f"Stage opened seen #{self.pk}"


# --- Reconnection (repair/program/reconnection.py) ---------------------------------------------


class ReconnectionYes(models.Model):
    """One person's private "yes, I'd like this reconnection step open", while it is not open.
    Never shown to the partner; gone once the step opens or is closed again."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=80)
    said_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "user", "step"], name="reconnection_yes_once")
        ]

    def __str__(self) -> str:
        return f"Reconnection yes #{self.pk}"


class ReconnectionOpen(models.Model):
    """A reconnection step both partners said yes to. Deliberately without an author, and deleted
    (not marked) when either closes it again, so nothing kept tells who closed it."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=80)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "step"], name="reconnection_open_once")
        ]

    def __str__(self) -> str:
        return f"Reconnection open #{self.pk}"


class ReconnectionShown(models.Model):
    """One person's private "show reconnection on Today". It shows only when both chose it."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    chosen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "user"], name="reconnection_shown_once")
        ]

    def __str__(self) -> str:
        return f"Reconnection shown #{self.pk}"


# --- the long run: the prompt bank and the seasonal check-backs ----------------------------------


class BankDraw(models.Model):
    """One prompt of the bank (repair/program/bank/) taken up by a couple, in one round of its
    theme and weight. Made when the first answer comes; revealed when the second does; or set
    aside by either, unrevealed for good. A lane (theme, weight) goes through every prompt once per
    round before any comes back, and has at most one open draw at a time."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    prompt = models.CharField(max_length=60)
    theme = models.CharField(max_length=30)
    weight = models.CharField(max_length=10)
    round = models.PositiveIntegerField()
    drawn_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(null=True, blank=True)
    set_aside_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple", "prompt", "round"], name="bank_draw_once_a_round"
            ),
            models.UniqueConstraint(
                fields=["couple", "theme", "weight"],
                condition=models.Q(revealed_at__isnull=True, set_aside_at__isnull=True),
                name="bank_draw_one_open_per_lane",
            ),
        ]
        indexes = [models.Index(fields=["couple", "theme", "weight", "round"])]

    def __str__(self) -> str:
        return f"Bank draw #{self.pk}"


class BankAnswer(models.Model):
    """One person's private answer to a drawn prompt: shown to the partner only once the draw is
    revealed, and never changed after that."""

    draw = models.ForeignKey(BankDraw, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["draw", "user"], name="bank_answer_once")]

    def __str__(self) -> str:
        return f"Bank answer #{self.pk}"


class CheckBack(models.Model):
    """One person's part of a seasonal check-back (1, 3, 6 or 12 months after Sustaining opened):
    a reflection for their eyes only, and one line for the next season, shown beside the
    partner's once both have sent theirs (and unchanged after that)."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    months = models.PositiveSmallIntegerField()
    reflection = EncryptedTextField(blank=True)
    hope = EncryptedTextField(blank=True)
    # The agreements (exercise slugs) this person marked "still right" in this check-back: a
    # private note for their own walk through them, never shown to the partner.
    still_right = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["couple", "user", "months"], name="check_back_once")
        ]

    def __str__(self) -> str:
        return f"Check-back #{self.pk}"


class TrackEntry(models.Model):
    """What one person wrote in an exercise of their own track (repair/program/tracks/). Theirs
    alone: it belongs to the person, not to the couple, so no couple row points at it and no page,
    email or download of the partner's ever reads it. It stays with the person if they leave."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    exercise = models.CharField(max_length=80)
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "exercise"], name="track_entry_once")
        ]

    def __str__(self) -> str:
        return f"Track entry #{self.pk}"
