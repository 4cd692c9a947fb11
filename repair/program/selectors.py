"""Reads for the program. What a partner may see of the other is decided here, and only here:
a reveal answer only once both have submitted; a reflection only as the copy its author last
shared; of a map, only the items a frozen comparison found both marked yes or both marked maybe,
narrowed by what either has lowered since; never a "not now". docs/architecture.md ("What each
page lets a partner infer") says what each of these can and cannot give away."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q, Value
from django.utils import timezone

from repair.couples.selectors import CoupleView
from repair.lib.textdiff import Change, word_changes
from repair.program.content import Exercise, Stage, program
from repair.program.models import (
    AgreedRoles,
    AgreementVersion,
    ApologyAnswer,
    ApologyVersion,
    AtoneQuestion,
    Conversation,
    ExerciseCompletion,
    ExerciseSkip,
    LadderClosure,
    LadderReopen,
    MapAnswer,
    MapRound,
    PracticeLog,
    ProgramEntry,
    ReconnectionOpen,
    ReconnectionShown,
    ReconnectionYes,
    RolesKind,
    RolesRound,
    RunDone,
    StageOpenedSeen,
    StageReadiness,
)
from repair.program.reconnection import ReconnectionStep, sequence


@dataclass
class ExerciseState:
    exercise: Exercise
    mine_done: bool
    both_done: bool
    ladder_locked: bool = False
    # An Atone step under "we'd rather not say": asked of nobody, so it neither counts nor waits.
    waived: bool = False
    # I let it go, privately (shown to me alone); it counts as my part for moving on.
    mine_skipped: bool = False
    # Each of us has done it or let it go: what opening the next stage asks.
    both_settled: bool = False
    # A closeness step closed again for now, by one of them (never said who).
    closed: bool = False
    # While closed: I have asked, privately, for it to open again.
    i_asked_reopen: bool = False

    @property
    def mine_settled(self) -> bool:
        return self.mine_done or self.mine_skipped


@dataclass
class StageState:
    stage: Stage
    unlocked: bool
    exercises: list[ExerciseState]
    i_am_ready: bool
    complete: bool

    @property
    def required_states(self) -> list[ExerciseState]:
        return [s for s in self.exercises if s.exercise.required and not s.waived]

    @property
    def done_together(self) -> list[ExerciseState]:
        """What is done: an exercise counts when both have done their part, so both partners see
        the same list and it never shows who is "behind". Never a percentage: healing is not a
        score."""
        return [s for s in self.exercises if s.both_done]

    @property
    def next_together(self) -> ExerciseState | None:
        """What is next for the two of them: the first required exercise not yet done by both."""
        return next((s for s in self.required_states if not s.both_settled), None)

    @property
    def my_part_done(self) -> bool:
        return all(s.mine_settled for s in self.required_states)


@dataclass
class ProgramState:
    stages: list[StageState] = field(default_factory=list)
    # The stages whose "it's open" notice this person has put away.
    opened_seen: set[str] = field(default_factory=set)

    @property
    def just_opened(self) -> StageState | None:
        """The newest stage, opened by the second "I'm ready", until this person puts the
        notice away: the same for both partners, so it says nothing of who was ready first."""
        current = self.current
        if current is self.stages[0] or current.stage.slug in self.opened_seen:
            return None
        return current

    @property
    def current(self) -> StageState:
        unlocked = [s for s in self.stages if s.unlocked]
        return unlocked[-1]

    @property
    def next_for_me(self) -> ExerciseState | None:
        """The single next thing for this partner: the first open exercise they haven't done, in
        the furthest stage that is open, else in any open stage."""
        open_stages = [self.current, *[s for s in self.stages if s.unlocked]]
        for wanted in (True, False):  # required exercises first; optional ones after
            for stage in open_stages:
                for state in stage.exercises:
                    if (
                        state.exercise.required is wanted
                        and not state.mine_settled
                        and not state.ladder_locked
                        and not state.closed
                        and not state.waived
                    ):
                        return state
        return None

    def stage(self, slug: str) -> StageState | None:
        return next((s for s in self.stages if s.stage.slug == slug), None)

    def exercise(self, slug: str) -> ExerciseState | None:
        return next((e for s in self.stages for e in s.exercises if e.exercise.slug == slug), None)


def program_state(*, couple: CoupleView) -> ProgramState:
    """Progress and gating for the couple, in one query however much they have done: the
    couple's completions, stage readiness and comfortable ladder steps, as one UNION ALL."""
    members = {couple.me.pk, couple.partner.pk if couple.partner else -1}
    facts = (
        ExerciseCompletion.objects.filter(couple=couple.couple)
        .annotate(kind=Value("done"))
        .values_list("kind", "user_id", "exercise")
        .union(
            StageReadiness.objects.filter(couple=couple.couple)
            .annotate(kind=Value("ready"))
            .values_list("kind", "user_id", "stage"),
            PracticeLog.objects.filter(couple=couple.couple, comfortable=True)
            .annotate(kind=Value("comfortable"))
            .values_list("kind", "user_id", "exercise"),
            # The agreed roles ride along: under neutral roles the Atone steps are waived.
            AgreedRoles.objects.filter(couple=couple.couple)
            .annotate(what=Value("roles"))
            .values_list("what", "hurt_id", "kind"),
            # Skips of both: a partner's counts only towards moving on (``both_settled``) and
            # is never shown. Reopen requests: the viewer's own only.
            ExerciseSkip.objects.filter(couple=couple.couple)
            .annotate(kind=Value("skipped"))
            .values_list("kind", "user_id", "exercise"),
            LadderReopen.objects.filter(couple=couple.couple, user=couple.me)
            .annotate(kind=Value("reopen"))
            .values_list("kind", "user_id", "exercise"),
            StageOpenedSeen.objects.filter(couple=couple.couple, user=couple.me)
            .annotate(kind=Value("seen"))
            .values_list("kind", "user_id", "stage"),
            LadderClosure.objects.filter(couple=couple.couple)
            .annotate(kind=Value("closed"), nobody=Value(0))
            .values_list("kind", "nobody", "exercise"),
            all=True,
        )
    )
    done: set[tuple[int, str]] = set()
    ready: set[tuple[int, str]] = set()
    comfortable: set[tuple[int, str]] = set()
    skipped: set[tuple[int, str]] = set()
    reopen: set[tuple[int, str]] = set()
    closed_: set[tuple[int, str]] = set()
    seen: set[tuple[int, str]] = set()
    roles_kind = ""
    by_kind = {
        "done": done,
        "ready": ready,
        "comfortable": comfortable,
        "skipped": skipped,
        "reopen": reopen,
        "closed": closed_,
        "seen": seen,
    }
    for kind, user_id, slug in facts:
        if kind == "roles":
            roles_kind = slug
            continue
        by_kind[kind].add((user_id, slug))
    ladder_steps = {(e.ladder, e.ladder_step): e.slug for e in program().exercises if e.ladder}
    closed = {slug for _, slug in closed_}
    # A ladder step that is closed, or not open, keeps every step after it closed too.
    not_open: set[str] = set()

    state = ProgramState(opened_seen={slug for _, slug in seen})
    previous_complete = True
    for stage in program().stages:
        exercises = []
        for exercise in stage.exercises:
            if exercise.ladder:
                # A ladder step counts as done together only once both said it felt comfortable:
                # "done together" beside a step that still keeps the next one closed would tell
                # the one who said comfortable that the other practised and did not.
                both = all((member, exercise.slug) in comfortable for member in members)
            else:
                both = all((member, exercise.slug) in done for member in members)
            locked = False
            if exercise.ladder and exercise.ladder_step > 1:
                before = ladder_steps[(exercise.ladder, exercise.ladder_step - 1)]
                locked = before in not_open or not all(
                    (member, before) in comfortable for member in members
                )
            is_closed = exercise.slug in closed and not locked
            if locked or is_closed:
                not_open.add(exercise.slug)
            exercises.append(
                ExerciseState(
                    exercise=exercise,
                    mine_done=(couple.me.pk, exercise.slug) in done,
                    both_done=both,
                    ladder_locked=locked,
                    waived=exercise.directional
                    and roles_kind == RolesKind.NEUTRAL
                    and not exercise.two_way_when_neutral,
                    mine_skipped=(couple.me.pk, exercise.slug) in skipped,
                    both_settled=all(
                        (member, exercise.slug) in done or (member, exercise.slug) in skipped
                        for member in members
                    ),
                    closed=is_closed,
                    i_asked_reopen=(couple.me.pk, exercise.slug) in reopen,
                )
            )
        stage_state = StageState(
            stage=stage,
            unlocked=previous_complete,
            exercises=exercises,
            i_am_ready=(couple.me.pk, stage.slug) in ready,
            complete=False,
        )
        stage_state.complete = (
            stage_state.unlocked
            and all(s.both_settled for s in stage_state.required_states)
            and all((member, stage.slug) in ready for member in members)
        )
        previous_complete = stage_state.complete
        state.stages.append(stage_state)
    return state


def exercise_skipped(*, couple: CoupleView, exercise: Exercise) -> bool:
    """Whether this person let the exercise go (theirs alone to see)."""
    return ExerciseSkip.objects.filter(
        couple=couple.couple, user=couple.me, exercise=exercise.slug
    ).exists()


# --- written answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerWords:
    """What the partner's page may show of their words: a revealed answer, or the copy of a
    reflection they last shared. Never the row itself, so a template cannot reach their draft."""

    text: str
    at: datetime | None


@dataclass(frozen=True)
class EntryView:
    mine: ProgramEntry | None
    # Filled only when the partner's words may be shown: a revealed answer or a shared copy.
    partner: PartnerWords | None

    @property
    def revealed(self) -> bool:
        return self.partner is not None

    @property
    def changed_since_shared(self) -> bool:
        """The author's text is not what the partner reads: they edited after sharing."""
        mine = self.mine
        return bool(mine and mine.shared_at and mine.text != mine.shared_text)


def entries_for(*, couple: CoupleView, exercise: Exercise) -> EntryView:
    rows = list(ProgramEntry.objects.filter(couple=couple.couple, exercise=exercise.slug))
    mine = next((r for r in rows if r.user_id == couple.me.pk), None)
    theirs = next((r for r in rows if couple.partner and r.user_id == couple.partner.pk), None)
    visible = None
    if theirs is not None:
        if exercise.type == "reveal":
            # Both sent: neither answer can change any more (services.entry_save), so the live
            # text is the one that was revealed.
            if mine is not None and mine.submitted_at and theirs.submitted_at:
                visible = PartnerWords(text=theirs.text, at=theirs.submitted_at)
        elif theirs.shared_at and theirs.shared_text:
            # Only the copy: whatever the author has edited or drafted since stays theirs.
            visible = PartnerWords(text=theirs.shared_text, at=theirs.shared_at)
    # The partner's draft, working text or unrevealed answer never leaves this function.
    return EntryView(mine=mine, partner=visible)


# --- maps -----------------------------------------------------------------------------------------

# How far an answer goes: a comparison's item stays shown only while both still go at least as far.
REACH = {"yes": 2, "maybe": 1, "not_now": 0}


@dataclass(frozen=True)
class MapView:
    mine: dict[str, str]
    # The last frozen comparison, narrowed by what either of them has lowered since.
    both_yes: list[str]
    both_maybe: list[str]
    compared_at: datetime | None
    # I have sent my answers into a round the partner hasn't compared in yet.
    waiting: bool
    # The partner has sent theirs into a round I haven't: "compare again?".
    partner_asked: bool
    # My answers now differ from the last ones I sent to compare.
    changed_since_compared: bool


def _known(answers: dict[str, str], keys: list[str]) -> dict[str, str]:
    """Answers to the items the map has now (content edits may drop an item)."""
    return {k: answers[k] for k in keys if k in answers}


def map_view(*, couple: CoupleView, exercise: Exercise) -> MapView:
    """What a person is shown of a map. The comparison comes only from a frozen round: two
    snapshots both people sent. The partner's live answers are read only for the items that
    round found in common, and only to hide one they have lowered since; so no sequence of the
    viewer's own edits, compares or requests shows more of the partner than that round did."""
    keys = [i.key for i in exercise.items]
    rounds = list(
        MapRound.objects.filter(couple=couple.couple, exercise=exercise.slug)
        .prefetch_related("submissions")
        .order_by("-number")[:2]
    )
    # A new round is opened only once the one before is frozen, so the newest frozen round is
    # the newest or the one before it.
    shown = next((r for r in rounds if r.frozen_at is not None), None)
    current = rounds[0] if rounds else None
    partner_id = couple.partner.pk if couple.partner else None
    in_common = set(shown.both_yes) | set(shown.both_maybe) if shown and partner_id else set()

    rows = MapAnswer.objects.filter(couple=couple.couple, exercise=exercise.slug).filter(
        Q(user=couple.me) | Q(user_id=partner_id, item__in=in_common)
    )
    mine: dict[str, str] = {}
    theirs: dict[str, str] = {}
    for user_id, item, answer in rows.values_list("user_id", "item", "answer"):
        (mine if user_id == couple.me.pk else theirs)[item] = answer

    def still(key: str, reach: int) -> bool:
        return (
            REACH.get(mine.get(key, ""), -1) >= reach
            and REACH.get(theirs.get(key, ""), -1) >= reach
        )

    open_round = current if current is not None and current.frozen_at is None else None
    senders = {s.user_id for s in open_round.submissions.all()} if open_round else set()
    mine_sent = [
        s.answers for r in rounds for s in r.submissions.all() if s.user_id == couple.me.pk
    ]
    return MapView(
        mine=mine,
        both_yes=[k for k in keys if shown and k in shown.both_yes and still(k, REACH["yes"])],
        both_maybe=[
            k for k in keys if shown and k in shown.both_maybe and still(k, REACH["maybe"])
        ],
        compared_at=shown.frozen_at if shown else None,
        waiting=couple.me.pk in senders,
        partner_asked=partner_id in senders and couple.me.pk not in senders,
        changed_since_compared=bool(mine_sent) and mine_sent[0] != _known(mine, keys),
    )


# --- agreements -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionView:
    version: AgreementVersion
    accepted_by_me: bool
    accepted_by_partner: bool
    # What changed from the version before it, word by word; empty for the first.
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class AgreementView:
    versions: list[VersionView]

    @property
    def in_force(self) -> VersionView | None:
        live = [v for v in self.versions if v.version.in_force_at]
        return live[-1] if live else None

    @property
    def latest(self) -> VersionView | None:
        return self.versions[-1] if self.versions else None

    @property
    def proposal(self) -> VersionView | None:
        """The newest version if it is not (yet) in force: what is waiting for acceptance."""
        latest = self.latest
        return latest if latest and not latest.version.in_force_at else None


def agreement_view(*, couple: CoupleView, exercise: Exercise, direction: int = 0) -> AgreementView:
    versions = AgreementVersion.objects.filter(
        couple=couple.couple, exercise=exercise.slug, direction=direction
    ).prefetch_related("acceptances")
    partner_id = couple.partner.pk if couple.partner else None
    found: list[VersionView] = []
    for v in versions:
        before = found[-1].version.text if found else None
        found.append(
            VersionView(
                version=v,
                accepted_by_me=any(a.user_id == couple.me.pk for a in v.acceptances.all()),
                accepted_by_partner=any(a.user_id == partner_id for a in v.acceptances.all()),
                changes=word_changes(before, v.text) if before is not None else [],
            )
        )
    return AgreementView(versions=found)


def agreement_in_force(*, couple: CoupleView, exercise_slug: str) -> AgreementVersion | None:
    return (
        AgreementVersion.objects.filter(
            couple=couple.couple, exercise=exercise_slug, in_force_at__isnull=False
        )
        .order_by("-number")
        .first()
    )


# --- practices --------------------------------------------------------------------------------------


def practice_logs(*, couple: CoupleView, exercise: Exercise) -> list[PracticeLog]:
    """This person's own log for a practice (the partner's is theirs)."""
    return list(
        PracticeLog.objects.filter(
            couple=couple.couple, exercise=exercise.slug, user=couple.me
        ).order_by("-completed_at")[:10]
    )


# --- conversations ----------------------------------------------------------------------------------


def conversation_current(*, couple: CoupleView, exercise: Exercise) -> Conversation | None:
    return (
        Conversation.objects.filter(couple=couple.couple, exercise=exercise.slug)
        .prefetch_related("turns", "commitments")
        .order_by("-started_at")
        .first()
    )


@dataclass(frozen=True)
class TurnView:
    """One piece of the transcript, credited to its author (``mine``: the viewer's own)."""

    kind: str  # speak or reflect
    text: str
    mine: bool


@dataclass(frozen=True)
class ConversationView:
    conversation: Conversation
    move: str  # what this person does next: speak, reflect, confirm, commit, agree, wait, paused, ended
    last_speak: str
    last_speak_mine: bool  # who wrote it: the floor may have passed since
    last_reflect: str
    last_reflect_mine: bool
    mine_commitment: str
    partner_commitment: str
    i_agreed: bool
    # The time the caller of a time-out chose has come: either may resume.
    timeout_over: bool = False
    # Everything said, in order, for both partners alike, during the talk and after it ends.
    transcript: tuple[TurnView, ...] = ()


def conversation_view(
    *, couple: CoupleView, conversation: Conversation | None
) -> ConversationView | None:
    if conversation is None:
        return None
    me = couple.me.pk
    turns = list(conversation.turns.all())
    commitments = {c.user_id: c for c in conversation.commitments.all()}
    mine = commitments.get(me)
    state = conversation.state
    has_floor = conversation.floor_id == me
    if state == Conversation.State.ENDED:
        move = "ended"
    elif conversation.resume_at is not None:
        move = "paused"
    elif state == Conversation.State.SPEAKING:
        move = "speak" if has_floor else "wait"
    elif state == Conversation.State.REFLECTING:
        move = "wait" if has_floor else "reflect"
    elif state == Conversation.State.CONFIRMING:
        move = "confirm" if has_floor else "wait"
    elif mine is None:
        move = "commit"
    elif len(commitments) == 2 and mine.agreed_at is None:
        move = "agree"
    else:
        move = "wait"
    speaks = [t for t in turns if t.kind == "speak"]
    reflects = [t for t in turns if t.kind == "reflect"]
    partner = next((c for uid, c in commitments.items() if uid != me), None)
    return ConversationView(
        conversation=conversation,
        move=move,
        last_speak=speaks[-1].text if speaks else "",
        last_speak_mine=bool(speaks) and speaks[-1].author_id == me,
        last_reflect=reflects[-1].text if reflects else "",
        last_reflect_mine=bool(reflects) and reflects[-1].author_id == me,
        mine_commitment=mine.text if mine else "",
        partner_commitment=partner.text if partner else "",
        i_agreed=bool(mine and mine.agreed_at),
        timeout_over=conversation.resume_at is not None
        and conversation.resume_at <= timezone.now(),
        transcript=tuple(TurnView(kind=t.kind, text=t.text, mine=t.author_id == me) for t in turns),
    )


# --- roles ------------------------------------------------------------------------------------------

ROLE_HURT, ROLE_INVOLVED, ROLE_NEUTRAL = "hurt", "involved", "neutral"
ROLES = (ROLE_HURT, ROLE_INVOLVED, ROLE_NEUTRAL)


@dataclass(frozen=True)
class Direction:
    """One run of the repair track: whose hurt is told and heard, and who hears it and atones."""

    hurt_id: int
    involved_id: int


@dataclass(frozen=True)
class Roles:
    """The roles in effect. ``kind`` is one_hurt, both_hurt, neutral, or "" while the couple has
    not agreed (which reads like neutral: nobody is asked to apologise until both have said so)."""

    kind: str
    directions: tuple[Direction, ...] = ()
    agreed_at: datetime | None = None

    @property
    def agreed(self) -> bool:
        return bool(self.kind)

    def role_of(self, user_id: int, direction: int | None = None) -> str:
        """hurt, involved or neutral. Where both hurt each other a person is hurt in one
        direction and involved in the other; outside a direction they get the neutral words."""
        if not self.directions:
            return ROLE_NEUTRAL
        if len(self.directions) > 1 and direction is None:
            return ROLE_NEUTRAL
        run = self.directions[direction or 0]
        if user_id == run.hurt_id:
            return ROLE_HURT
        if user_id == run.involved_id:
            return ROLE_INVOLVED
        return ROLE_NEUTRAL


NO_ROLES = Roles(kind="")


def _roles(kind: str, hurt_id: int | None, couple: CoupleView) -> Roles:
    if kind == RolesKind.NEUTRAL or hurt_id is None or couple.partner is None:
        return Roles(kind=kind)
    other = couple.partner.pk if hurt_id == couple.me.pk else couple.me.pk
    first = Direction(hurt_id=hurt_id, involved_id=other)
    if kind == RolesKind.ONE_HURT:
        return Roles(kind=kind, directions=(first,))
    return Roles(kind=kind, directions=(first, Direction(hurt_id=other, involved_id=hurt_id)))


def roles_for(*, couple: CoupleView) -> Roles:
    agreed = AgreedRoles.objects.filter(couple=couple.couple).first()
    if agreed is None:
        return NO_ROLES
    roles = _roles(agreed.kind, agreed.hurt_id, couple)
    return Roles(kind=roles.kind, directions=roles.directions, agreed_at=agreed.agreed_at)


@dataclass(frozen=True)
class RolesView:
    """The roles screen for one person. Of the partner it holds only what a frozen round said
    (that answers differed) and whether they have answered in the open round: never their answer."""

    roles: Roles
    # My own answer in the newest round, to fill the form again.
    my_kind: str
    my_hurt_id: int | None
    # I have answered in the open round; the partner has not yet.
    waiting: bool
    # The partner has answered in the open round; I have not yet.
    partner_answered: bool
    # The last round both answered in found different answers (and nothing is agreed).
    differ: bool


def roles_view(*, couple: CoupleView) -> RolesView:
    roles = roles_for(couple=couple)
    latest = (
        RolesRound.objects.filter(couple=couple.couple)
        .prefetch_related("proposals")
        .order_by("-number")
        .first()
    )
    proposals = list(latest.proposals.all()) if latest else []
    mine = next((p for p in proposals if p.user_id == couple.me.pk), None)
    partner_in = any(p.user_id != couple.me.pk for p in proposals)
    is_open = latest is not None and latest.frozen_at is None
    return RolesView(
        roles=roles,
        my_kind=mine.kind if mine else "",
        my_hurt_id=mine.hurt_id if mine else None,
        waiting=is_open and mine is not None and not partner_in,
        partner_answered=is_open and partner_in and mine is None,
        differ=not roles.agreed and latest is not None and latest.matched is False,
    )


# --- the Atone steps: one run per direction ------------------------------------------------------


def held_two_way(*, roles: Roles, exercise: Exercise) -> bool:
    """A one-speaker step held as an ordinary two-way talk, because no direction is agreed
    (neutral roles, or none yet) and the step is written to be held that way then."""
    return exercise.two_way_when_neutral and not roles.directions


def one_speaker(*, roles: Roles, exercise: Exercise) -> bool:
    """The floor stays with one partner: the step has a speaker and is not being held two-way."""
    return bool(exercise.speaker) and not held_two_way(roles=roles, exercise=exercise)


def direction_done(*, couple: CoupleView, exercise: Exercise, direction: int) -> bool:
    """This run of an Atone step is done: the injury told and the telling ended, the apology
    answered by the hurt partner, or the commitments accepted into force."""
    if exercise.type == "agreement":
        return AgreementVersion.objects.filter(
            couple=couple.couple,
            exercise=exercise.slug,
            direction=direction,
            in_force_at__isnull=False,
        ).exists()
    if exercise.type == "questions":
        return RunDone.objects.filter(
            couple=couple.couple, exercise=exercise.slug, direction=direction
        ).exists()
    if exercise.type == "apology":
        return ApologyAnswer.objects.filter(
            version__couple=couple.couple,
            version__exercise=exercise.slug,
            version__direction=direction,
        ).exists()
    return Conversation.objects.filter(
        couple=couple.couple,
        exercise=exercise.slug,
        direction=direction,
        state=Conversation.State.ENDED,
    ).exists()


@dataclass(frozen=True)
class AtoneStep:
    """Where an Atone step stands for this couple: which run is current (None when every run is
    done, or when no run is asked: roles not agreed, or neutral), this person's role in it, and
    whether the step it comes after is done in that run."""

    roles: Roles
    direction: int | None
    role: str
    waiting_for: Exercise | None


def atone_step(*, couple: CoupleView, exercise: Exercise) -> AtoneStep:
    roles = roles_for(couple=couple)
    if not roles.directions:
        return AtoneStep(roles=roles, direction=None, role=ROLE_NEUTRAL, waiting_for=None)
    current = next(
        (
            d
            for d in range(len(roles.directions))
            if not direction_done(couple=couple, exercise=exercise, direction=d)
        ),
        None,
    )
    shown = current if current is not None else len(roles.directions) - 1
    before = program().exercise(exercise.after) if exercise.after else None
    waiting = (
        before
        if before is not None
        and current is not None
        and before.directional
        and not direction_done(couple=couple, exercise=before, direction=current)
        else None
    )
    return AtoneStep(
        roles=roles, direction=current, role=roles.role_of(couple.me.pk, shown), waiting_for=waiting
    )


@dataclass(frozen=True)
class ApologyView:
    versions: list[ApologyVersion]
    latest: ApologyVersion | None
    answers: list[ApologyAnswer]

    @property
    def answered_latest(self) -> bool:
        return bool(self.latest and any(a.version_id == self.latest.pk for a in self.answers))


def apology_view(*, couple: CoupleView, exercise: Exercise, direction: int) -> ApologyView:
    """An apology is written to be read: both partners see every version sent and every answer.
    Nothing is kept as a hidden draft here (the page keeps unsent words in the browser)."""
    versions = list(
        ApologyVersion.objects.filter(
            couple=couple.couple, exercise=exercise.slug, direction=direction
        ).prefetch_related("answers")
    )
    answers = [a for v in versions for a in v.answers.all()]
    return ApologyView(
        versions=versions, latest=versions[-1] if versions else None, answers=answers
    )


@dataclass(frozen=True)
class QuestionsView:
    open: list[AtoneQuestion]
    parked: list[AtoneQuestion]
    session_over: bool


def questions_view(
    *, couple: CoupleView, exercise: Exercise, direction: int, now: datetime
) -> QuestionsView:
    """Both partners see every question and answer of the run: they are asked to be answered."""
    rows = list(
        AtoneQuestion.objects.filter(
            couple=couple.couple, exercise=exercise.slug, direction=direction
        )
    )
    started = session_started(rows=rows, now=now)
    return QuestionsView(
        open=[q for q in rows if q.parked_at is None],
        parked=[q for q in rows if q.parked_at is not None],
        session_over=started is not None and now - started >= SESSION_LENGTH,
    )


# A sitting of questions and answers: it starts with the first question after a quiet spell,
# and after this long the page suggests stopping for today and takes no new questions.
SESSION_LENGTH = timedelta(minutes=45)
SESSION_QUIET = timedelta(hours=3)


def session_started(*, rows: list[AtoneQuestion], now: datetime) -> datetime | None:
    """When the current sitting began, or None when the last question is a quiet spell ago."""
    times = sorted(q.asked_at for q in rows)
    if not times or now - times[-1] >= SESSION_QUIET:
        return None
    start = times[-1]
    for earlier in reversed(times[:-1]):
        if start - earlier >= SESSION_QUIET:
            break
        start = earlier
    return start


# --- reconnection (repair/program/reconnection.py) ----------------------------------------------

# The ladder whose last step, once open, lets the reconnection sequence begin.
RECONNECTION_AFTER_LADDER = "closeness"


@dataclass(frozen=True)
class ReconnectionStepState:
    step: ReconnectionStep
    open: bool
    # Not open, and the step before is open (or it is the first): a yes can be said now.
    askable: bool
    # My own private yes, while it is not open. The partner's is never read at all.
    i_said_yes: bool


@dataclass(frozen=True)
class ReconnectionState:
    # The last closeness step is open (both said its step before felt comfortable, and nobody
    # has closed it): the sequence can begin.
    available: bool
    steps: list[ReconnectionStepState]
    # I chose to see it on Today; ``shown``: we both did, so it is on Today.
    i_chose_shown: bool
    shown: bool

    def step(self, slug: str) -> ReconnectionStepState | None:
        return next((s for s in self.steps if s.step.slug == slug), None)

    @property
    def open_steps(self) -> list[ReconnectionStepState]:
        return [s for s in self.steps if s.open]


def reconnection_available(*, progress: ProgramState) -> bool:
    """Whether the sequence can begin: the last step of the closeness ladder is open."""
    last = max(
        (e for e in program().exercises if e.ladder == RECONNECTION_AFTER_LADDER),
        key=lambda e: e.ladder_step,
    )
    state = progress.exercise(last.slug)
    stage = progress.stage(last.stage)
    return bool(state and stage and stage.unlocked and not state.ladder_locked and not state.closed)


def reconnection_state(
    *, couple: CoupleView, progress: ProgramState | None = None
) -> ReconnectionState:
    """The sequence as this person may see it, in one query (two without ``progress``). What it
    reads of the partner: nothing of their yes, and of their Today choice only whether both chose
    it. So a step shows "open" or "not open yet" to both alike, whoever has said yes."""
    if progress is None:
        progress = program_state(couple=couple)
    members = {couple.me.pk, couple.partner.pk if couple.partner else -1}
    facts = (
        ReconnectionYes.objects.filter(couple=couple.couple, user=couple.me)
        .annotate(kind=Value("yes"))
        .values_list("kind", "user_id", "step")
        .union(
            ReconnectionOpen.objects.filter(couple=couple.couple)
            .annotate(kind=Value("open"), nobody=Value(0))
            .values_list("kind", "nobody", "step"),
            ReconnectionShown.objects.filter(couple=couple.couple)
            .annotate(kind=Value("shown"), nothing=Value(""))
            .values_list("kind", "user_id", "nothing"),
            all=True,
        )
    )
    mine_yes: set[str] = set()
    opened: set[str] = set()
    chose_shown: set[int] = set()
    for kind, user_id, slug in facts:
        if kind == "yes":
            mine_yes.add(slug)
        elif kind == "open":
            opened.add(slug)
        else:
            chose_shown.add(user_id)
    available = reconnection_available(progress=progress)
    steps = []
    before_open = True
    for step in sequence().steps:
        is_open = available and before_open and step.slug in opened
        steps.append(
            ReconnectionStepState(
                step=step,
                open=is_open,
                askable=available and before_open and not is_open,
                i_said_yes=step.slug in mine_yes and not is_open,
            )
        )
        before_open = is_open
    return ReconnectionState(
        available=available,
        steps=steps,
        i_chose_shown=couple.me.pk in chose_shown,
        shown=members <= chose_shown,
    )
