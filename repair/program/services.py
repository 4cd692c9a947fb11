"""Writes for the program. Every function takes the signed-in person's couple (never an id from a
request), checks the exercise exists and has the right type, and raises ``ProgramActionError`` with
a code the view turns into a kind message."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from repair.couples import once
from repair.couples.models import Couple, User
from repair.couples.selectors import CoupleView, couple_work_paused_for
from repair.program.content import MAP_ANSWERS, Exercise, program
from repair.program.models import (
    AgreedRoles,
    AgreementAcceptance,
    AgreementVersion,
    ApologyAnswer,
    ApologyVersion,
    AtoneQuestion,
    Commitment,
    Conversation,
    ConversationTurn,
    ExerciseCompletion,
    ExerciseSkip,
    LadderClosure,
    LadderReopen,
    MapAnswer,
    MapRound,
    MapSubmission,
    PracticeLog,
    ProgramEntry,
    ReconnectionOpen,
    ReconnectionShown,
    ReconnectionYes,
    RolesKind,
    RolesProposal,
    RolesRound,
    RunDone,
    StageOpenedSeen,
    StageReadiness,
)
from repair.program.reconnection import ReconnectionStep, sequence
from repair.program.selectors import (
    SESSION_LENGTH,
    atone_step,
    direction_done,
    held_two_way,
    one_speaker,
    program_state,
    reconnection_state,
    roles_for,
    session_started,
)

TEXT_LIMIT = 20_000
TIMEOUT_LONGEST = timedelta(hours=24)


class ProgramActionError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _not_held(couple: CoupleView, now: datetime | None = None) -> None:
    """Joint steps wait while either partner is taking some time (a pause, or stepping aside
    after the private check): the same refusal for both and for either reason."""
    if couple_work_paused_for(user=couple.me, now=now or timezone.now()):
        raise ProgramActionError("held")


def _members(couple: CoupleView) -> list[User]:
    return [u for u in (couple.me, couple.partner) if u is not None]


def _complete(couple: CoupleView, user: User, exercise: Exercise, now: datetime) -> None:
    ExerciseCompletion.objects.get_or_create(
        couple=couple.couple, user=user, exercise=exercise.slug, defaults={"completed_at": now}
    )


def exercise_open(*, couple: CoupleView, slug: str, kind: str | None = None) -> Exercise:
    """The exercise, if its stage is open to this couple (and a ladder step is unlocked)."""
    exercise = program().exercise(slug)
    if exercise is None or (kind and exercise.type != kind):
        raise ProgramActionError("not_found")
    progress = program_state(couple=couple)
    state = progress.exercise(slug)
    stage = progress.stage(exercise.stage)
    if state is None or stage is None or not stage.unlocked:
        raise ProgramActionError("locked")
    if state.ladder_locked:
        raise ProgramActionError("ladder_locked")
    if state.closed:
        raise ProgramActionError("ladder_closed")
    return exercise


def exercise_skip(
    *, couple: CoupleView, exercise: Exercise, skip: bool = True, now: datetime | None = None
) -> None:
    """Let an exercise go, privately and without a reason (``skip``), or take that back. It
    counts as this person's part for opening the next stage; the partner is never shown it.
    What makes the couple safer (``Exercise.essential``) cannot be skipped."""
    if not exercise.skippable:
        raise ProgramActionError("essential")
    if skip:
        ExerciseSkip.objects.get_or_create(
            couple=couple.couple,
            user=couple.me,
            exercise=exercise.slug,
            defaults={"skipped_at": now or timezone.now()},
        )
    else:
        ExerciseSkip.objects.filter(
            couple=couple.couple, user=couple.me, exercise=exercise.slug
        ).delete()


def ladder_close(*, couple: CoupleView, exercise: Exercise, now: datetime | None = None) -> None:
    """Close an open closeness step again, for now: either partner, privately, no reason asked.
    The steps after it wait too. Nothing records who closed it."""
    if not exercise.ladder:
        raise ProgramActionError("wrong_type")
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        LadderClosure.objects.get_or_create(
            couple=couple.couple,
            exercise=exercise.slug,
            defaults={"closed_at": now or timezone.now()},
        )
        # Any "open it again" from before this closing no longer counts.
        LadderReopen.objects.filter(couple=couple.couple, exercise=exercise.slug).delete()
        # The reconnection sequence comes after the whole ladder: it closes too, from its start.
        _reconnection_close_from(couple=couple, number=1)


def ladder_reopen(*, couple: CoupleView, exercise: Exercise, now: datetime | None = None) -> bool:
    """This person's private "I'd like this step open again". It opens when both have asked
    (returns True then); until then nobody is told who is waiting."""
    if not exercise.ladder:
        raise ProgramActionError("wrong_type")
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        if not LadderClosure.objects.filter(couple=couple.couple, exercise=exercise.slug).exists():
            return True  # already open (the partner's request a moment ago, or a double tap)
        LadderReopen.objects.get_or_create(
            couple=couple.couple,
            user=couple.me,
            exercise=exercise.slug,
            defaults={"asked_at": now or timezone.now()},
        )
        asked = set(
            LadderReopen.objects.filter(couple=couple.couple, exercise=exercise.slug).values_list(
                "user_id", flat=True
            )
        )
        if not {m.pk for m in _members(couple)} <= asked:
            return False
        LadderClosure.objects.filter(couple=couple.couple, exercise=exercise.slug).delete()
        LadderReopen.objects.filter(couple=couple.couple, exercise=exercise.slug).delete()
        return True


# --- reflections and reveal-together ---------------------------------------------------------------


def entry_save(
    *, couple: CoupleView, exercise: Exercise, text: str, submit: bool, now: datetime | None = None
) -> ProgramEntry:
    """Save a draft or submit. A reveal answer can change until both have submitted; after the
    reveal it stays as it was shown."""
    if exercise.type not in ("reflection", "reveal"):
        raise ProgramActionError("wrong_type")
    now = now or timezone.now()
    text = text.strip()
    if len(text) > TEXT_LIMIT:
        raise ProgramActionError("too_long")
    if submit and not text:
        raise ProgramActionError("empty")
    with transaction.atomic():
        entry, _ = ProgramEntry.objects.select_for_update().get_or_create(
            couple=couple.couple, user=couple.me, exercise=exercise.slug
        )
        if submit and entry.submitted_at and entry.text == text:
            return entry  # the same answer sent again (a double tap): already done
        if exercise.type == "reveal" and entry.submitted_at and couple.partner:
            partner_submitted = ProgramEntry.objects.filter(
                couple=couple.couple,
                user=couple.partner,
                exercise=exercise.slug,
                submitted_at__isnull=False,
            ).exists()
            if partner_submitted:
                raise ProgramActionError("already_revealed")
        entry.text = text
        entry.updated_at = now
        if submit and entry.submitted_at is None:
            entry.submitted_at = now
        entry.save()
        if entry.submitted_at:
            _complete(couple, couple.me, exercise, now)
    return entry


def reflection_share(
    *, couple: CoupleView, exercise: Exercise, share: bool, now: datetime | None = None
) -> None:
    """Share a copy of a submitted reflection with the partner (again, to update it), or
    withdraw it. The copy is the text as it is at this moment; later edits stay the author's
    until they share again."""
    if exercise.type != "reflection":
        raise ProgramActionError("wrong_type")
    with transaction.atomic():
        entry = (
            ProgramEntry.objects.select_for_update()
            .filter(
                couple=couple.couple,
                user=couple.me,
                exercise=exercise.slug,
                submitted_at__isnull=False,
            )
            .first()
        )
        if entry is None:
            raise ProgramActionError("not_submitted")
        if share:
            if not entry.text.strip():
                raise ProgramActionError("empty")
            entry.shared_text = entry.text
            entry.shared_at = now or timezone.now()
        else:
            entry.shared_text = ""
            entry.shared_at = None
        entry.save(update_fields=["shared_text", "shared_at"])


# --- maps ---------------------------------------------------------------------------------------------


def map_answers_save(
    *, couple: CoupleView, exercise: Exercise, answers: dict[str, str], now: datetime | None = None
) -> None:
    """Save any subset of this person's own answers, privately; changeable any time. Nothing
    here widens what either is shown: that takes a new comparison both send (``map_compare``).
    Lowering an answer hides the item from a comparison at once, for both."""
    if exercise.type != "map":
        raise ProgramActionError("wrong_type")
    now = now or timezone.now()
    keys = {item.key for item in exercise.items}
    with transaction.atomic():
        for item, answer in answers.items():
            if item not in keys or answer not in MAP_ANSWERS:
                raise ProgramActionError("bad_answer")
            MapAnswer.objects.update_or_create(
                couple=couple.couple,
                user=couple.me,
                exercise=exercise.slug,
                item=item,
                defaults={"answer": answer, "updated_at": now},
            )


def map_compare(*, couple: CoupleView, exercise: Exercise, now: datetime | None = None) -> MapRound:
    """Send a snapshot of my answers as they are now into the open round (opening a new one,
    which asks the partner to compare again, if the last is already frozen). When both have
    sent theirs, the round is frozen: what both marked yes and what both marked maybe, from the
    two snapshots, once. Sending again into a round still open replaces my snapshot. Sending
    is this person's part of the exercise done."""
    if exercise.type != "map":
        raise ProgramActionError("wrong_type")
    now = now or timezone.now()
    keys = [item.key for item in exercise.items]
    with transaction.atomic():
        # One compare at a time per couple, so two presses at once meet in the same round.
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        current = (
            MapRound.objects.filter(couple=couple.couple, exercise=exercise.slug)
            .order_by("-number")
            .first()
        )
        if current is None or current.frozen_at is not None:
            current = MapRound.objects.create(
                couple=couple.couple,
                exercise=exercise.slug,
                number=(current.number if current else 0) + 1,
                opened_at=now,
            )
        live = dict(
            MapAnswer.objects.filter(
                couple=couple.couple, user=couple.me, exercise=exercise.slug
            ).values_list("item", "answer")
        )
        snapshot = {k: live[k] for k in keys if k in live}
        MapSubmission.objects.update_or_create(
            round=current, user=couple.me, defaults={"answers": snapshot, "submitted_at": now}
        )
        partner = couple.partner
        theirs = (
            MapSubmission.objects.filter(round=current, user=partner).first() if partner else None
        )
        if theirs is not None:
            both = [(k, snapshot.get(k), theirs.answers.get(k)) for k in keys]
            current.both_yes = [k for k, a, b in both if a == b == "yes"]
            current.both_maybe = [k for k, a, b in both if a == b == "maybe"]
            current.frozen_at = now
            current.save(update_fields=["both_yes", "both_maybe", "frozen_at"])
        _complete(couple, couple.me, exercise, now)
    return current


# --- agreements --------------------------------------------------------------------------------------


def agreement_propose(
    *,
    couple: CoupleView,
    exercise: Exercise,
    text: str,
    key: UUID | None = None,
    now: datetime | None = None,
) -> AgreementVersion:
    """A new version. Its author accepts it by proposing it; it is in force once the partner
    accepts too. Older versions are all kept.

    Sent twice from one page (``key``, see ``repair.once``) it is one version; and the very text of
    the latest version, proposed again by its own author, is that version, not a new one."""
    if exercise.type != "agreement":
        raise ProgramActionError("wrong_type")
    direction = _own_commitments_run(couple, exercise, propose=True)
    text = text.strip()
    if not text:
        raise ProgramActionError("empty")
    if len(text) > TEXT_LIMIT:
        raise ProgramActionError("too_long")
    now = now or timezone.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                claim = once.claim(user=couple.me, purpose="program.agreement", key=key, now=now)
                if claim.repeat:
                    first = claim.first_of(AgreementVersion.objects.filter(couple=couple.couple))
                    if first is not None:
                        return first
                latest = (
                    AgreementVersion.objects.filter(
                        couple=couple.couple, exercise=exercise.slug, direction=direction
                    )
                    .order_by("-number")
                    .first()
                )
                if latest and latest.proposed_by_id == couple.me.pk and latest.text == text:
                    claim.record(latest.pk)
                    return latest
                version = AgreementVersion.objects.create(
                    couple=couple.couple,
                    exercise=exercise.slug,
                    number=(latest.number if latest else 0) + 1,
                    text=text,
                    proposed_by=couple.me,
                    created_at=now,
                    direction=direction,
                )
                AgreementAcceptance.objects.create(version=version, user=couple.me, accepted_at=now)
                _maybe_in_force(couple, exercise, version, now)
                claim.record(version.pk)
                return version
        except IntegrityError:
            continue  # both proposed at the same instant: number again
    raise ProgramActionError("busy")


def agreement_accept(
    *, couple: CoupleView, exercise: Exercise, version_id: int, now: datetime | None = None
) -> AgreementVersion:
    if exercise.type != "agreement":
        raise ProgramActionError("wrong_type")
    direction = _own_commitments_run(couple, exercise, propose=False)
    now = now or timezone.now()
    with transaction.atomic():
        version = (
            AgreementVersion.objects.select_for_update()
            .filter(
                couple=couple.couple, exercise=exercise.slug, direction=direction, pk=version_id
            )
            .first()
        )
        if version is None:
            raise ProgramActionError("not_found")
        newest = AgreementVersion.objects.filter(
            couple=couple.couple, exercise=exercise.slug, direction=direction
        ).aggregate(n=Max("number"))["n"]
        if version.number != newest:
            raise ProgramActionError("superseded")
        AgreementAcceptance.objects.get_or_create(
            version=version, user=couple.me, defaults={"accepted_at": now}
        )
        _maybe_in_force(couple, exercise, version, now)
    return version


def _maybe_in_force(
    couple: CoupleView, exercise: Exercise, version: AgreementVersion, now: datetime
) -> None:
    accepted = set(version.acceptances.values_list("user_id", flat=True))
    members = {u.pk for u in _members(couple)}
    if couple.partner is None or not members <= accepted or version.in_force_at:
        return
    version.in_force_at = now
    version.review_on = couple.me.local_today(now) + timedelta(days=exercise.review_days)
    version.save(update_fields=["in_force_at", "review_on"])
    _complete_runs(couple, exercise, now)


def _own_commitments_run(couple: CoupleView, exercise: Exercise, *, propose: bool) -> int:
    """The run an agreement belongs to: 0 for a shared one. One partner's own commitments are
    written only by the partner who caused that hurt and accepted by the one who was hurt."""
    if not exercise.directional:
        return 0
    step = atone_step(couple=couple, exercise=exercise)
    runs = len(step.roles.directions)
    if not runs or step.waiting_for is not None:
        raise ProgramActionError("not_your_turn")
    # Commitments stay open to revision after a run is done: the last run then.
    direction = step.direction if step.direction is not None else runs - 1
    role = step.roles.role_of(couple.me.pk, direction)
    if role != ("involved" if propose else "hurt"):
        raise ProgramActionError("not_your_turn")
    return direction


# --- practices -------------------------------------------------------------------------------------------


# Without a form key, the same log within this long is the one already made (a double tap).
PRACTICE_REPEAT_WINDOW = timedelta(minutes=2)


def practice_log(
    *,
    couple: CoupleView,
    exercise: Exercise,
    comfortable: bool | None,
    key: UUID | None = None,
    now: datetime | None = None,
) -> PracticeLog:
    """One time the couple did the practice. Sent twice from one page (``key``) it is one log."""
    if exercise.type != "practice":
        raise ProgramActionError("wrong_type")
    now = now or timezone.now()
    with transaction.atomic():
        claim = once.claim(user=couple.me, purpose="program.practice", key=key, now=now)
        first = _practice_first(couple, exercise, claim, comfortable, now)
        if first is not None:
            return first
        log = PracticeLog.objects.create(
            couple=couple.couple,
            user=couple.me,
            exercise=exercise.slug,
            completed_at=now,
            comfortable=comfortable,
        )
        claim.record(log.pk)
        _complete(couple, couple.me, exercise, now)
    return log


def _practice_first(
    couple: CoupleView,
    exercise: Exercise,
    claim: once.Claim,
    comfortable: bool | None,
    now: datetime,
) -> PracticeLog | None:
    """The log this submission repeats, if it is a repeat."""
    if claim.repeat:
        return claim.first_of(PracticeLog.objects.filter(user=couple.me))
    if claim.submission_id is not None:
        return None
    Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
    latest = (
        PracticeLog.objects.filter(
            couple=couple.couple,
            user=couple.me,
            exercise=exercise.slug,
            completed_at__gte=now - PRACTICE_REPEAT_WINDOW,
        )
        .order_by("-completed_at", "-pk")
        .first()
    )
    return latest if latest is not None and latest.comfortable == comfortable else None


# --- readiness ---------------------------------------------------------------------------------------------


def stage_ready(*, couple: CoupleView, stage_slug: str, now: datetime | None = None) -> None:
    """A private "I'm ready to move on", offered once this person has done their part."""
    state = program_state(couple=couple).stage(stage_slug)
    if state is None or not state.unlocked:
        raise ProgramActionError("not_found")
    if not state.my_part_done:
        raise ProgramActionError("not_yet")
    _not_held(couple, now)
    StageReadiness.objects.get_or_create(
        couple=couple.couple,
        user=couple.me,
        stage=stage_slug,
        defaults={"ready_at": now or timezone.now()},
    )


def stage_opened_seen(*, couple: CoupleView, stage_slug: str, now: datetime | None = None) -> None:
    """Put away the "a new stage is open" notice, for this person."""
    if program().stage(stage_slug) is None:
        raise ProgramActionError("not_found")
    StageOpenedSeen.objects.get_or_create(
        couple=couple.couple,
        user=couple.me,
        stage=stage_slug,
        defaults={"seen_at": now or timezone.now()},
    )


# --- speaker-listener conversations ------------------------------------------------------------------------


@contextmanager
def conversation_step(
    *, couple: CoupleView, key: UUID | None, now: datetime | None = None
) -> Iterator[bool]:
    """One press of a conversation button, once: yields False for a repeat of a press already
    acted on (``repair.once``), which then changes nothing and reads as done. The step's own
    writes go inside, in the same transaction, so a refused step leaves its key free."""
    with transaction.atomic():
        claim = once.claim(user=couple.me, purpose="program.conversation", key=key, now=now)
        yield not claim.repeat


def _locked_conversation(
    couple: CoupleView, exercise: Exercise, conversation_id: int
) -> Conversation:
    conversation = (
        Conversation.objects.select_for_update()
        .filter(couple=couple.couple, exercise=exercise.slug, pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise ProgramActionError("not_found")
    return conversation


def _bump(conversation: Conversation, **fields: object) -> None:
    for name, value in fields.items():
        setattr(conversation, name, value)
    conversation.revision = F("revision") + 1
    conversation.save(update_fields=[*fields, "revision"])
    conversation.refresh_from_db(fields=["revision"])


def conversation_start(
    *, couple: CoupleView, exercise: Exercise, now: datetime | None = None
) -> Conversation:
    """Start (or rejoin) the conversation: whoever starts has the floor first, except in a
    one-speaker telling, where the floor is the teller's of the current run (the hurt partner's,
    or for remorse the involved partner's). Without agreed roles a step written to be held
    two-way then starts as an ordinary speaker-listener talk, in no direction."""
    if exercise.type != "conversation" or couple.partner is None:
        raise ProgramActionError("wrong_type")
    _not_held(couple, now)
    floor, direction = couple.me, 0
    roles = roles_for(couple=couple)
    if exercise.directional and not held_two_way(roles=roles, exercise=exercise):
        step = atone_step(couple=couple, exercise=exercise)
        if step.direction is None or step.waiting_for is not None:
            raise ProgramActionError("not_your_turn")
        direction = step.direction
        run = step.roles.directions[direction]
        teller_id = run.involved_id if exercise.speaker == "involved" else run.hurt_id
        floor = couple.me if couple.me.pk == teller_id else couple.partner
    with transaction.atomic():
        # Both pressing "start" at once take turns here, so there is one open conversation.
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        open_one = (
            Conversation.objects.select_for_update()
            .filter(couple=couple.couple, exercise=exercise.slug)
            .exclude(state=Conversation.State.ENDED)
            .first()
        )
        if open_one:
            return open_one  # a double tap, or the partner started it a moment ago
        return Conversation.objects.create(
            couple=couple.couple,
            exercise=exercise.slug,
            floor=floor,
            direction=direction,
            started_at=now or timezone.now(),
        )


def _text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ProgramActionError("empty")
    if len(text) > TEXT_LIMIT:
        raise ProgramActionError("too_long")
    return text


def _not_paused(conversation: Conversation) -> None:
    if conversation.resume_at is not None:
        raise ProgramActionError("paused")


def _add_turn(
    *,
    couple: CoupleView,
    exercise: Exercise,
    conversation_id: int,
    text: str,
    kind: str,
    now: datetime | None,
) -> None:
    """A piece said (by the speaker, who has the floor) or a reflection of it (by the listener):
    each only in its own step of the conversation, then the conversation moves on."""
    text = _text(text)
    _not_held(couple, now)
    speaking = kind == ConversationTurn.Kind.SPEAK
    expected_state = Conversation.State.SPEAKING if speaking else Conversation.State.REFLECTING
    with transaction.atomic():
        conversation = _locked_conversation(couple, exercise, conversation_id)
        _not_paused(conversation)
        has_floor = conversation.floor_id == couple.me.pk
        if conversation.state != expected_state or has_floor is not speaking:
            last = conversation.turns.order_by("-created_at", "-pk").first()
            if last and last.author_id == couple.me.pk and last.kind == kind and last.text == text:
                return  # the same words sent again (a page without a key): already said
            raise ProgramActionError("not_your_turn")
        ConversationTurn.objects.create(
            conversation=conversation,
            author=couple.me,
            kind=kind,
            text=text,
            created_at=now or timezone.now(),
        )
        _bump(
            conversation,
            state=Conversation.State.REFLECTING if speaking else Conversation.State.CONFIRMING,
        )


def conversation_speak(
    *,
    couple: CoupleView,
    exercise: Exercise,
    conversation_id: int,
    text: str,
    now: datetime | None = None,
) -> None:
    _add_turn(
        couple=couple,
        exercise=exercise,
        conversation_id=conversation_id,
        text=text,
        kind=ConversationTurn.Kind.SPEAK,
        now=now,
    )


def conversation_reflect(
    *,
    couple: CoupleView,
    exercise: Exercise,
    conversation_id: int,
    text: str,
    now: datetime | None = None,
) -> None:
    _add_turn(
        couple=couple,
        exercise=exercise,
        conversation_id=conversation_id,
        text=text,
        kind=ConversationTurn.Kind.REFLECT,
        now=now,
    )


def conversation_confirm(
    *, couple: CoupleView, exercise: Exercise, conversation_id: int, yes: bool
) -> None:
    """The speaker answers the reflection: "yes, that's it" passes the floor; "not quite" asks
    the listener to try again."""
    _not_held(couple)
    with transaction.atomic():
        conversation = _locked_conversation(couple, exercise, conversation_id)
        _not_paused(conversation)
        if (
            conversation.state != Conversation.State.CONFIRMING
            or conversation.floor_id != couple.me.pk
        ):
            raise ProgramActionError("not_your_turn")
        reflection = (
            conversation.turns.filter(kind=ConversationTurn.Kind.REFLECT)
            .order_by("-created_at", "-pk")
            .first()
        )
        if reflection is not None:
            reflection.confirmed = yes
            reflection.save(update_fields=["confirmed"])
        if yes and one_speaker(roles=roles_for(couple=couple), exercise=exercise):
            # One speaker: the floor stays with the teller for as long as they need.
            _bump(conversation, state=Conversation.State.SPEAKING)
        elif yes:
            assert couple.partner is not None
            _bump(conversation, state=Conversation.State.SPEAKING, floor=couple.partner)
        else:
            _bump(conversation, state=Conversation.State.REFLECTING)


def conversation_timeout(
    *,
    couple: CoupleView,
    exercise: Exercise,
    conversation_id: int,
    resume_at: datetime,
    now: datetime | None = None,
) -> None:
    """Either partner may call a time-out at any moment; the talk resumes within a day."""
    now = now or timezone.now()
    if not (now < resume_at <= now + TIMEOUT_LONGEST):
        raise ProgramActionError("resume_window")
    with transaction.atomic():
        conversation = _locked_conversation(couple, exercise, conversation_id)
        if conversation.state == Conversation.State.ENDED:
            raise ProgramActionError("ended")
        _bump(conversation, paused_by=couple.me, resume_at=resume_at)


def conversation_resume(
    *, couple: CoupleView, exercise: Exercise, conversation_id: int, now: datetime | None = None
) -> None:
    """The one who called the time-out ends it. Once the time they chose has come, either may
    (the talk resumes within a day, and nobody is left stuck behind a time-out)."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation = _locked_conversation(couple, exercise, conversation_id)
        if conversation.resume_at is None:
            return  # already resumed (a double tap, or the other pressed it first)
        if conversation.paused_by_id not in (None, couple.me.pk) and now < conversation.resume_at:
            raise ProgramActionError("timeout_theirs")
        _bump(conversation, paused_by=None, resume_at=None)


def conversation_finish(
    *, couple: CoupleView, exercise: Exercise, conversation_id: int, now: datetime | None = None
) -> None:
    """Either may close the talking part; then each writes a commitment (if the exercise has a
    commitment note), or it simply ends."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation = _locked_conversation(couple, exercise, conversation_id)
        if conversation.state in (Conversation.State.ENDED, Conversation.State.COMMITTING):
            return
        if (
            conversation.resume_at is not None
            and conversation.paused_by_id not in (None, couple.me.pk)
            and now < conversation.resume_at
        ):
            raise ProgramActionError("timeout_theirs")
        if not conversation.turns.exists():
            raise ProgramActionError("nothing_said")
        if one_speaker(roles=roles_for(couple=couple), exercise=exercise) and (
            conversation.floor_id != couple.me.pk
            or not conversation.turns.filter(confirmed=True).exists()
        ):
            # A telling ends when the teller has been heard ("yes, that's it") and says so.
            raise ProgramActionError("teller_ends")
        if exercise.commitment:
            _bump(conversation, state=Conversation.State.COMMITTING, resume_at=None, paused_by=None)
        else:
            _end(couple, exercise, conversation, now)


def _end(couple: CoupleView, exercise: Exercise, conversation: Conversation, now: datetime) -> None:
    _bump(
        conversation, state=Conversation.State.ENDED, ended_at=now, resume_at=None, paused_by=None
    )
    _complete_runs(couple, exercise, now)


def _complete_runs(couple: CoupleView, exercise: Exercise, now: datetime) -> None:
    """Done for both; for an Atone step, only once every run of it is done."""
    if exercise.directional:
        runs = len(roles_for(couple=couple).directions)
        if not all(
            direction_done(couple=couple, exercise=exercise, direction=d) for d in range(runs)
        ):
            return
    for member in _members(couple):
        _complete(couple, member, exercise, now)


def commitment_write(
    *,
    couple: CoupleView,
    exercise: Exercise,
    conversation_id: int,
    text: str,
    now: datetime | None = None,
) -> None:
    """Write (or rewrite) what I commit to. Any change asks both to agree again."""
    text = _text(text)
    now = now or timezone.now()
    _not_held(couple, now)
    with transaction.atomic():
        conversation = _locked_conversation(couple, exercise, conversation_id)
        if conversation.state != Conversation.State.COMMITTING:
            raise ProgramActionError("not_your_turn")
        Commitment.objects.update_or_create(
            conversation=conversation, user=couple.me, defaults={"text": text, "updated_at": now}
        )
        conversation.commitments.update(agreed_at=None)
        _bump(conversation)


def commitment_agree(
    *, couple: CoupleView, exercise: Exercise, conversation_id: int, now: datetime | None = None
) -> None:
    """Agree to the note as it stands (both commitments). When both have agreed, it is kept."""
    now = now or timezone.now()
    _not_held(couple, now)
    with transaction.atomic():
        conversation = _locked_conversation(couple, exercise, conversation_id)
        if conversation.state != Conversation.State.COMMITTING:
            raise ProgramActionError("not_your_turn")
        commitments = list(conversation.commitments.all())
        if len(commitments) < 2:
            raise ProgramActionError("waiting_for_both")
        Commitment.objects.filter(conversation=conversation, user=couple.me).update(agreed_at=now)
        if all(c.agreed_at or c.user_id == couple.me.pk for c in commitments):
            _end(couple, exercise, conversation, now)
        else:
            _bump(conversation)


# --- roles, agreed together ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RolesOutcome:
    """What one proposal led to: still waiting for the partner, agreed, or seen differently."""

    status: str  # "waiting" | "agreed" | "differ"


def roles_propose(
    *, couple: CoupleView, kind: str, hurt: User | None = None, now: datetime | None = None
) -> RolesOutcome:
    """My private answer to "whose hurt is this work about", into the open round (opening a new
    one if the last was frozen). When both have answered in a round, it is frozen once: the same
    answer puts the roles in effect; different answers say only that they differ. ``hurt`` is who
    was hurt (one_hurt) or whose hurt is told first (both_hurt), and must be one of the two."""
    if couple.partner is None:
        raise ProgramActionError("wrong_type")
    if kind not in RolesKind.values:
        raise ProgramActionError("bad_answer")
    members = {couple.me.pk, couple.partner.pk}
    if kind == RolesKind.NEUTRAL:
        hurt = None
    elif hurt is None or hurt.pk not in members:
        raise ProgramActionError("roles_who")
    now = now or timezone.now()
    with transaction.atomic():
        # One proposal at a time per couple, so two answers sent at once meet in the same round.
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        if AgreedRoles.objects.filter(couple=couple.couple).exists():
            raise ProgramActionError("roles_agreed")
        current = RolesRound.objects.filter(couple=couple.couple).order_by("-number").first()
        if current is None or current.frozen_at is not None:
            current = RolesRound.objects.create(
                couple=couple.couple, number=(current.number if current else 0) + 1, opened_at=now
            )
        RolesProposal.objects.update_or_create(
            round=current,
            user=couple.me,
            defaults={"kind": kind, "hurt": hurt, "submitted_at": now},
        )
        theirs = RolesProposal.objects.filter(round=current, user=couple.partner).first()
        if theirs is None:
            return RolesOutcome(status="waiting")
        same = theirs.kind == kind and theirs.hurt_id == (hurt.pk if hurt else None)
        current.frozen_at = now
        current.matched = same
        current.save(update_fields=["frozen_at", "matched"])
        if not same:
            return RolesOutcome(status="differ")
        AgreedRoles.objects.create(couple=couple.couple, kind=kind, hurt=hurt, agreed_at=now)
        return RolesOutcome(status="agreed")


def roles_reopen(*, couple: CoupleView, now: datetime | None = None) -> None:
    """Either partner takes the agreed roles back to be said again, without a reason. What was
    written under them stays; until both agree again, everyone gets the neutral prompts."""
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        AgreedRoles.objects.filter(couple=couple.couple).delete()


# --- the apology, in four parts ---------------------------------------------------------------------

APOLOGY_PARTS = ("damage", "owning", "changes", "signs")


def apology_write(
    *, couple: CoupleView, exercise: Exercise, parts: dict[str, str], now: datetime | None = None
) -> ApologyVersion:
    """A new version of the apology for the current run, by the partner who caused that hurt,
    once the hurt has been told and heard. All four parts are needed; every version is kept.
    The same four parts sent again (a double tap) are the version already made."""
    if exercise.type != "apology":
        raise ProgramActionError("wrong_type")
    step = atone_step(couple=couple, exercise=exercise)
    if step.direction is None or step.role != "involved" or step.waiting_for is not None:
        raise ProgramActionError("not_your_turn")
    texts = {}
    for part in APOLOGY_PARTS:
        text = parts.get(part, "").strip()
        if not text:
            raise ProgramActionError("apology_part")
        if len(text) > TEXT_LIMIT:
            raise ProgramActionError("too_long")
        texts[part] = text
    now = now or timezone.now()
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        latest = (
            ApologyVersion.objects.filter(
                couple=couple.couple, exercise=exercise.slug, direction=step.direction
            )
            .order_by("-number")
            .first()
        )
        if latest and all(getattr(latest, part) == texts[part] for part in APOLOGY_PARTS):
            return latest
        return ApologyVersion.objects.create(
            couple=couple.couple,
            exercise=exercise.slug,
            direction=step.direction,
            number=(latest.number if latest else 0) + 1,
            author=couple.me,
            created_at=now,
            **texts,
        )


def apology_answer(
    *,
    couple: CoupleView,
    exercise: Exercise,
    version_id: int,
    heard: str,
    still_need: str,
    now: datetime | None = None,
) -> ApologyAnswer:
    """The hurt partner's answer to the newest version: what they heard, and what they still
    need. Answering is this run done; nobody is asked to forgive."""
    if exercise.type != "apology":
        raise ProgramActionError("wrong_type")
    heard, still_need = heard.strip(), still_need.strip()
    if not heard:
        raise ProgramActionError("empty")
    if len(heard) > TEXT_LIMIT or len(still_need) > TEXT_LIMIT:
        raise ProgramActionError("too_long")
    roles = roles_for(couple=couple)
    now = now or timezone.now()
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        version = ApologyVersion.objects.filter(
            couple=couple.couple, exercise=exercise.slug, pk=version_id
        ).first()
        if version is None or version.direction >= len(roles.directions):
            raise ProgramActionError("not_found")
        if roles.role_of(couple.me.pk, version.direction) != "hurt":
            raise ProgramActionError("not_your_turn")
        newest = ApologyVersion.objects.filter(
            couple=couple.couple, exercise=exercise.slug, direction=version.direction
        ).aggregate(n=Max("number"))["n"]
        if version.number != newest:
            raise ProgramActionError("superseded")
        last = version.answers.filter(author=couple.me).order_by("-created_at", "-pk").first()
        if last is not None and (last.heard, last.still_need) == (heard, still_need):
            return last  # the same answer sent again (a double tap)
        answer = ApologyAnswer.objects.create(
            version=version, author=couple.me, heard=heard, still_need=still_need, created_at=now
        )
        _complete_runs(couple, exercise, now)
        return answer


# --- questions and answers ---------------------------------------------------------------------------


def _questions_run(couple: CoupleView, exercise: Exercise, role: str) -> int:
    if exercise.type != "questions":
        raise ProgramActionError("wrong_type")
    step = atone_step(couple=couple, exercise=exercise)
    if step.direction is None or step.waiting_for is not None:
        raise ProgramActionError("not_your_turn")
    if role and step.roles.role_of(couple.me.pk, step.direction) != role:
        raise ProgramActionError("not_your_turn")
    return step.direction


def question_ask(
    *,
    couple: CoupleView,
    exercise: Exercise,
    text: str,
    again_of: int | None = None,
    now: datetime | None = None,
) -> AtoneQuestion:
    """The hurt partner asks (or asks again). Refused once the sitting has run its length."""
    direction = _questions_run(couple, exercise, "hurt")
    text = _text(text)
    now = now or timezone.now()
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        rows = list(
            AtoneQuestion.objects.filter(
                couple=couple.couple, exercise=exercise.slug, direction=direction
            )
        )
        started = session_started(rows=rows, now=now)
        if started is not None and now - started >= SESSION_LENGTH:
            raise ProgramActionError("session_over")
        if rows and rows[-1].text == text and rows[-1].answered_at is None:
            return rows[-1]  # the same question sent again (a double tap)
        before = next((q for q in rows if q.pk == again_of), None) if again_of else None
        return AtoneQuestion.objects.create(
            couple=couple.couple,
            exercise=exercise.slug,
            direction=direction,
            asker=couple.me,
            text=text,
            asked_at=now,
            again_of=before,
        )


def question_answer(
    *,
    couple: CoupleView,
    exercise: Exercise,
    question_id: int,
    text: str,
    now: datetime | None = None,
) -> None:
    """The partner who caused the hurt answers; an answer can be added to, not taken back."""
    direction = _questions_run(couple, exercise, "involved")
    text = _text(text)
    with transaction.atomic():
        question = (
            AtoneQuestion.objects.select_for_update()
            .filter(
                couple=couple.couple, exercise=exercise.slug, direction=direction, pk=question_id
            )
            .first()
        )
        if question is None:
            raise ProgramActionError("not_found")
        if question.parked_at is not None:
            raise ProgramActionError("parked")
        if question.answer == text or question.answer.endswith(f"\n\n{text}"):
            return  # the same words sent again (a double tap)
        question.answer = f"{question.answer}\n\n{text}" if question.answer else text
        question.answered_at = now or timezone.now()
        question.save(update_fields=["answer", "answered_at"])


def question_park(
    *,
    couple: CoupleView,
    exercise: Exercise,
    question_id: int,
    park: bool,
    now: datetime | None = None,
) -> None:
    """Either partner parks a question for later, or brings it back, without a reason."""
    direction = _questions_run(couple, exercise, "")
    updated = AtoneQuestion.objects.filter(
        couple=couple.couple, exercise=exercise.slug, direction=direction, pk=question_id
    ).update(parked_at=(now or timezone.now()) if park else None)
    if not updated:
        raise ProgramActionError("not_found")


def questions_enough(
    *, couple: CoupleView, exercise: Exercise, now: datetime | None = None
) -> None:
    """The hurt partner has asked what they need to, for now: this run is done. Questions can
    still come later, in the weekly conversations or here."""
    direction = _questions_run(couple, exercise, "hurt")
    now = now or timezone.now()
    with transaction.atomic():
        RunDone.objects.get_or_create(
            couple=couple.couple,
            exercise=exercise.slug,
            direction=direction,
            defaults={"done_at": now},
        )
        _complete_runs(couple, exercise, now)


# --- reconnection (repair/program/reconnection.py) ----------------------------------------------


def _reconnection_close_from(*, couple: CoupleView, number: int) -> None:
    """Close step ``number`` and every step after it: open rows and any yes said before go, so
    each opens again only on a fresh yes from both. Nothing kept says who closed it."""
    slugs = [s.slug for s in sequence().steps if s.number >= number]
    ReconnectionOpen.objects.filter(couple=couple.couple, step__in=slugs).delete()
    ReconnectionYes.objects.filter(couple=couple.couple, step__in=slugs).delete()


def reconnection_answer(
    *, couple: CoupleView, step: ReconnectionStep, yes: bool, now: datetime | None = None
) -> bool:
    """This person's private answer to opening a step: ``yes``, or taking their yes back ("not
    yet", which is kept as nothing at all). The step opens when both have said yes (returns True
    then). Steps open in order, and only once the closeness ladder's last step is open."""
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        state = reconnection_state(couple=couple).step(step.slug)
        if state is None:
            raise ProgramActionError("not_found")
        if state.open:
            return True  # the partner's yes a moment ago, or a double tap
        if not state.askable:
            raise ProgramActionError("reconnection_waits")
        if yes:
            # Like every joint step, a yes waits while either of them is taking some time.
            _not_held(couple, now)
        mine = ReconnectionYes.objects.filter(couple=couple.couple, user=couple.me, step=step.slug)
        if not yes:
            mine.delete()
            return False
        ReconnectionYes.objects.get_or_create(
            couple=couple.couple,
            user=couple.me,
            step=step.slug,
            defaults={"said_at": now or timezone.now()},
        )
        said = set(
            ReconnectionYes.objects.filter(couple=couple.couple, step=step.slug).values_list(
                "user_id", flat=True
            )
        )
        if not {m.pk for m in _members(couple)} <= said or couple.partner is None:
            return False
        ReconnectionOpen.objects.get_or_create(
            couple=couple.couple, step=step.slug, defaults={"opened_at": now or timezone.now()}
        )
        ReconnectionYes.objects.filter(couple=couple.couple, step=step.slug).delete()
        return True


def reconnection_close(*, couple: CoupleView, step: ReconnectionStep) -> None:
    """Close an open step again, for now: either partner, privately, no reason asked. It closes
    for both, and the steps after it close too."""
    with transaction.atomic():
        Couple.objects.select_for_update().filter(pk=couple.couple.pk).first()
        _reconnection_close_from(couple=couple, number=step.number)


def reconnection_show(*, couple: CoupleView, show: bool, now: datetime | None = None) -> None:
    """This person's private choice to see the sequence on Today. It is there only when both have
    chosen it; either taking it back takes it off Today for both."""
    if show:
        ReconnectionShown.objects.get_or_create(
            couple=couple.couple, user=couple.me, defaults={"chosen_at": now or timezone.now()}
        )
    else:
        ReconnectionShown.objects.filter(couple=couple.couple, user=couple.me).delete()
