"""The program's screens: the overview, a stage, and one screen per exercise (its type decides the
template). Each exercise screen serves its page and, for htmx, its live fragment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypedDict

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from repair.couples import once
from repair.couples.access import AuthedRequest, couple_required
from repair.couples.selectors import CoupleView, couple_work_paused_for, safety_check_due
from repair.lib.redirects import next_path
from repair.program import selectors as ps
from repair.program import services, track
from repair.program.content import Exercise, program
from repair.program.longrun_views import long_run_context
from repair.program.services import ProgramActionError

PROBLEMS = {
    "empty": gettext_lazy("There's nothing written yet. Take your time — a few words are enough."),
    "too_long": gettext_lazy("That's longer than we can keep in one piece. Could you split it?"),
    "already_revealed": gettext_lazy(
        "Both answers are already shown, so this one stays as it was shared."
    ),
    "not_submitted": gettext_lazy("Save your reflection first; then you can share a copy."),
    "bad_answer": gettext_lazy(
        "One of the answers wasn't one of yes, maybe or not now. Please choose again."
    ),
    "superseded": gettext_lazy(
        "A newer version was proposed in the meantime. Have a look at it below."
    ),
    "not_your_turn": gettext_lazy(
        "The conversation moved on a moment ago. Here is where it is now."
    ),
    "paused": gettext_lazy("You're in a time-out. Resume when you're both ready."),
    "held": gettext_lazy(
        "This waits while one of you is taking some time. Nothing is lost; it will be here "
        "when you're both back."
    ),
    "resume_window": gettext_lazy("Please choose a time within the next 24 hours."),
    "nothing_said": gettext_lazy("Nothing has been said yet — there's nothing to close."),
    "waiting_for_both": gettext_lazy("Each of you writes a commitment first; then you both agree."),
    "not_yet": gettext_lazy("When you've done your part of this stage, you can say you're ready."),
    "busy": gettext_lazy("Something else was saved at the same moment. Please try again."),
    "essential": gettext_lazy(
        "This one keeps you both safer, so it's the one thing we ask you not to skip. Take it "
        "slowly; a few words are enough."
    ),
    "ended": gettext_lazy("This conversation has ended."),
    "teller_ends": gettext_lazy(
        "The one telling ends this, once they've been heard. Until then, the floor stays theirs."
    ),
    "apology_part": gettext_lazy(
        "Each of the four parts needs a few words. Nothing you wrote is lost: it's below."
    ),
    "session_over": gettext_lazy(
        "That's a long sitting already. Rest now; the questions will keep for another day."
    ),
    "parked": gettext_lazy("That question is parked. Bring it back first, when you're both ready."),
    "timeout_theirs": gettext_lazy(
        "Your partner called this time-out, so they end it, when they're ready (or when the time "
        "they chose comes)."
    ),
    "roles_who": gettext_lazy("Please choose one of the answers below."),
    "roles_agreed": gettext_lazy(
        "You've both already agreed on this. If it no longer feels right, you can open it again."
    ),
}

# The roles screen's answers, as the person sees them: (kind, whose hurt: "me", "partner" or "").
ROLE_ANSWERS = {
    "me_hurt": ("one_hurt", "me"),
    "partner_hurt": ("one_hurt", "partner"),
    "both_me_first": ("both_hurt", "me"),
    "both_partner_first": ("both_hurt", "partner"),
    "neutral": ("neutral", ""),
}

TIMEOUT_CHOICES = [
    (30, gettext_lazy("in 30 minutes")),
    (60, gettext_lazy("in an hour")),
    (180, gettext_lazy("in 3 hours")),
    (60 * 12, gettext_lazy("in 12 hours")),
    (60 * 24, gettext_lazy("this time tomorrow")),
]


TIMEOUT_MINUTES_MIN, TIMEOUT_MINUTES_MAX = 1, 24 * 60
# Ids from a form: anything longer than a bigint's 19 digits is no id of ours.
ID_DIGITS = 19


def _whole_number(value: str | None, *, default: int = 0) -> int:
    """A whole number sent by a form, or ``default``; never more digits than an id can have, so
    a pasted million-digit number costs nothing and reaches no arithmetic."""
    value = (value or "").strip()
    if not value:
        return default
    if len(value) > ID_DIGITS or not value.isascii() or not value.removeprefix("-").isdigit():
        raise ProgramActionError("busy")
    return int(value)


def _problem(request: AuthedRequest, error: ProgramActionError) -> None:
    messages.error(request, str(PROBLEMS.get(error.code, PROBLEMS["busy"])))


@require_GET
@couple_required(paired=True)
def overview(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    state = ps.program_state(couple=couple)
    roles_ = ps.roles_view(couple=couple)
    return render(
        request,
        "repair/program/overview.html",
        {
            "state": state,
            "roles": roles_,
            **long_run_context(couple=couple, progress=state),
            # The person's own track, named from the roles already read (no query of its own).
            "own_tracks": track.tracks_for_roles(roles=roles_.roles, user_id=couple.me.pk),
        },
    )


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def roles(request: AuthedRequest, couple: CoupleView) -> HttpResponse:
    """Whose hurt the work is about: each answers privately; it takes effect when both give the
    same answer; either can open it again."""
    answer = request.POST.get("answer", "")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "reopen":
                services.roles_reopen(couple=couple)
                messages.success(
                    request,
                    _(
                        "Opened again. Until you both answer the same way, no one is asked to apologise."
                    ),
                )
            elif action == "propose":
                if answer not in ROLE_ANSWERS:
                    raise ProgramActionError("roles_who")
                kind, whose = ROLE_ANSWERS[answer]
                hurt = {"me": couple.me, "partner": couple.partner}.get(whose)
                services.roles_propose(couple=couple, kind=kind, hurt=hurt)
            else:
                raise ProgramActionError("busy")
        except ProgramActionError as error:
            _problem(request, error)
            return _roles_page(request, couple, chosen=answer)
        return redirect("program_roles")
    return _roles_page(request, couple)


def _roles_page(request: AuthedRequest, couple: CoupleView, *, chosen: str = "") -> HttpResponse:
    view = ps.roles_view(couple=couple)
    if not chosen and view.my_kind:
        mine = "me" if view.my_hurt_id == couple.me.pk else "partner" if view.my_hurt_id else ""
        chosen = next(
            (key for key, value in ROLE_ANSWERS.items() if value == (view.my_kind, mine)), ""
        )
    roles_ = view.roles
    me = couple.me.pk
    return render(
        request,
        "repair/program/roles.html",
        {
            "couple": couple,
            "view": view,
            "chosen": chosen,
            "answers": list(ROLE_ANSWERS),
            "first_is_me": bool(roles_.directions) and roles_.directions[0].hurt_id == me,
        },
    )


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def stage(request: AuthedRequest, couple: CoupleView, stage_slug: str) -> HttpResponse:
    state = ps.program_state(couple=couple)
    stage_state = state.stage(stage_slug)
    if stage_state is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "seen":
        services.stage_opened_seen(couple=couple, stage_slug=stage_slug)
        return redirect(next_path(request, request.POST.get("next"), default=reverse("program")))
    if request.method == "POST":
        try:
            services.stage_ready(couple=couple, stage_slug=stage_slug)
            messages.success(
                request,
                _(
                    "Noted, privately. The next stage opens when you're both ready — there's no rush."
                ),
            )
        except ProgramActionError as error:
            _problem(request, error)
        return redirect("program_stage", stage_slug=stage_slug)
    # Offered before the Consent stage opens for this person: once they have done their part of
    # the stage before it, and on the Consent stage itself until they answer or set it aside.
    order = [s.stage.slug for s in state.stages]
    opens_consent = stage_slug == CONSENT_STAGE or (
        CONSENT_STAGE in order
        and order.index(stage_slug) == order.index(CONSENT_STAGE) - 1
        and stage_state.my_part_done
    )
    return render(
        request,
        "repair/program/stage.html",
        {
            "state": state,
            "stage_state": stage_state,
            "held": stage_state.unlocked
            and not stage_state.complete
            and couple_work_paused_for(user=request.user, now=timezone.now()),
            "safety_offer": _safety_offer(
                request,
                before="consent" if opens_consent and stage_state.unlocked else "",
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@couple_required(paired=True)
def exercise(
    request: AuthedRequest, couple: CoupleView, stage_slug: str, exercise_slug: str
) -> HttpResponse:
    found = program().exercise(exercise_slug)
    if found is None or found.stage != stage_slug:
        raise Http404
    action = request.POST.get("action", "") if request.method == "POST" else ""
    try:
        services.exercise_open(couple=couple, slug=exercise_slug)
    except ProgramActionError as error:
        if error.code == "ladder_closed":
            return _closed_step(request, couple, found, reopen=action == "reopen")
        return render(
            request,
            "repair/program/locked.html",
            {"exercise": found, "ladder": error.code == "ladder_locked"},
        )
    if action in ("skip", "unskip", "close"):
        try:
            if action == "close":
                services.ladder_close(couple=couple, exercise=found)
                messages.success(
                    request,
                    _(
                        "Closed for now. Your partner sees only that this step is closed for now, "
                        "not who closed it, and no reason is asked."
                    ),
                )
            else:
                services.exercise_skip(couple=couple, exercise=found, skip=action == "skip")
                messages.success(
                    request,
                    _(
                        "Let go, privately. It counts as your part; you can come back to it any time."
                    )
                    if action == "skip"
                    else _("It's back on your list."),
                )
        except ProgramActionError as error:
            _problem(request, error)
        return _after_post(request, found)
    if found.directional:
        step = ps.atone_step(couple=couple, exercise=found)
        if step.waiting_for or (
            step.direction is None
            and not step.roles.directions
            and not ps.held_two_way(roles=step.roles, exercise=found)
        ):
            return render(
                request,
                "repair/program/atone_wait.html",
                {"exercise": found, "step": step, "stage": program().stage(found.stage)},
            )
    return HANDLERS[found.type](request, couple, found)


# The stage whose opening the private check is offered again before.
CONSENT_STAGE = "consent"


def _safety_offer(request: AuthedRequest, *, before: str) -> str:
    """The moment to offer this person the private check again at ("consent" or "injury"), or
    "". For their eyes only: the partner's pages never ask."""
    return before if before and safety_check_due(user=request.user, before=before) else ""


def _closed_step(
    request: AuthedRequest, couple: CoupleView, exercise: Exercise, *, reopen: bool
) -> HttpResponse:
    """A closeness step closed for now: the same page for both partners, whoever closed it."""
    if reopen:
        services.ladder_reopen(couple=couple, exercise=exercise)
        return _after_post(request, exercise)
    state = ps.program_state(couple=couple).exercise(exercise.slug)
    return render(
        request,
        "repair/program/closed.html",
        {"exercise": exercise, "asked": bool(state and state.i_asked_reopen)},
    )


def _page(
    request: AuthedRequest,
    couple: CoupleView,
    exercise: Exercise,
    context: dict[str, object],
    *,
    fragment: str = "",
) -> HttpResponse:
    template = f"repair/program/{exercise.type}.html"
    if request.htmx and fragment:
        template += f"#{fragment}"
    stage_ = program().stage(exercise.stage)
    step = ps.atone_step(couple=couple, exercise=exercise) if exercise.directional else None
    roles = step.roles if step else ps.roles_for(couple=couple)
    role = step.role if step else roles.role_of(couple.me.pk)
    one_speaker = ps.one_speaker(roles=roles, exercise=exercise)
    return render(
        request,
        template,
        {
            "couple": couple,
            "exercise": exercise,
            "stage": stage_,
            "prompt": exercise.prompt_for(role),
            "role": role,
            "step": step,
            # A one-speaker step: the floor stays with the teller ("teller": that is me).
            "one_speaker": one_speaker,
            "teller": one_speaker and role == exercise.speaker,
            "skipped": exercise.skippable and ps.exercise_skipped(couple=couple, exercise=exercise),
            # Joint steps wait while either of them is taking some time (never saying who or why).
            "held": exercise.type == "conversation"
            and couple_work_paused_for(user=request.user, now=timezone.now()),
            "safety_offer": _safety_offer(
                request,
                # Before the telling: not once every run of it has been told.
                before="injury"
                if exercise.speaker == "hurt"
                and one_speaker
                and step
                and step.direction is not None
                else "consent"
                if exercise.stage == CONSENT_STAGE
                else "",
            ),
            **context,
        },
    )


def _after_post(request: AuthedRequest, exercise: Exercise) -> HttpResponse:
    return redirect("program_exercise", stage_slug=exercise.stage, exercise_slug=exercise.slug)


def _written(request: AuthedRequest, couple: CoupleView, exercise: Exercise) -> HttpResponse:
    """Reflections and reveal-together answers."""
    text = request.POST.get("text", "")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("draft", "submit"):
                entry = services.entry_save(
                    couple=couple, exercise=exercise, text=text, submit=action == "submit"
                )
                partner = couple.partner.name if couple.partner else ""
                if entry.shared_at and entry.text != entry.shared_text:
                    messages.success(
                        request,
                        _(
                            "Saved. Only you can see this version: %(name)s still sees the copy "
                            "you shared, until you share again."
                        )
                        % {"name": partner},
                    )
                elif action == "draft":
                    messages.success(request, _("Draft saved. Only you can see it."))
            elif action in ("share", "unshare"):
                services.reflection_share(couple=couple, exercise=exercise, share=action == "share")
            else:
                raise ProgramActionError("busy")
        except ProgramActionError as error:
            _problem(request, error)
            entries = ps.entries_for(couple=couple, exercise=exercise)
            # Nothing typed is lost: the page comes back with the words as they were sent.
            return _page(request, couple, exercise, {"entries": entries, "typed": text})
        return _after_post(request, exercise)
    entries = ps.entries_for(couple=couple, exercise=exercise)
    return _page(request, couple, exercise, {"entries": entries}, fragment="live")


def _map(request: AuthedRequest, couple: CoupleView, exercise: Exercise) -> HttpResponse:
    """Answers are saved privately; "Compare" also sends them into this round of comparing.
    While waiting for the partner to compare, the comparison (the fragment) refreshes itself."""
    sent: dict[str, str] = {}
    if request.method == "POST":
        sent = {
            item.key: request.POST[item.key]
            for item in exercise.items
            if request.POST.get(item.key)
        }
        compare = request.POST.get("action") == "compare"
        try:
            services.map_answers_save(couple=couple, exercise=exercise, answers=sent)
            if compare:
                compared = services.map_compare(couple=couple, exercise=exercise)
                if compared.frozen_at is not None:
                    messages.success(request, _("Compared. Here is what you both chose."))
                else:
                    messages.success(request, _("Sent to compare. There's no hurry."))
            else:
                messages.success(
                    request, _("Saved, privately. You can change any answer whenever you like.")
                )
        except ProgramActionError as error:
            _problem(request, error)
            # Nothing chosen is lost: the form comes back with the answers as they were sent.
            return _map_page(request, couple, exercise, sent=sent)
        return _after_post(request, exercise)
    return _map_page(request, couple, exercise)


def _map_page(
    request: AuthedRequest,
    couple: CoupleView,
    exercise: Exercise,
    *,
    sent: dict[str, str] | None = None,
) -> HttpResponse:
    view = ps.map_view(couple=couple, exercise=exercise)
    chosen = {**view.mine, **(sent or {})}
    labels = {item.key: item.label for item in exercise.items}
    groups: dict[str, list[object]] = {}
    for item in exercise.items:
        groups.setdefault(item.group, []).append(
            {"key": item.key, "label": item.label, "answer": chosen.get(item.key, "")}
        )
    return _page(
        request,
        couple,
        exercise,
        {
            "map": view,
            "groups": groups,
            "both_yes": [labels[k] for k in view.both_yes],
            "both_maybe": [labels[k] for k in view.both_maybe],
        },
        fragment="" if sent is not None else "together",
    )


def _agreement(request: AuthedRequest, couple: CoupleView, exercise: Exercise) -> HttpResponse:
    text = request.POST.get("text", "")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "propose":
                services.agreement_propose(
                    couple=couple, exercise=exercise, text=text, key=once.key_from(request.POST)
                )
                messages.success(request, _("Proposed. It's in force once you both accept it."))
            elif action == "accept":
                services.agreement_accept(
                    couple=couple,
                    exercise=exercise,
                    version_id=_whole_number(request.POST.get("version")),
                )
            else:
                raise ProgramActionError("busy")
        except (ProgramActionError, ValueError) as error:
            _problem(
                request,
                error if isinstance(error, ProgramActionError) else ProgramActionError("busy"),
            )
            view = ps.agreement_view(
                couple=couple, exercise=exercise, direction=_run(couple, exercise)
            )
            return _page(request, couple, exercise, {"agreement": view, "typed": text})
        return _after_post(request, exercise)
    view = ps.agreement_view(couple=couple, exercise=exercise, direction=_run(couple, exercise))
    return _page(request, couple, exercise, {"agreement": view})


def _run(couple: CoupleView, exercise: Exercise) -> int:
    """The run of an Atone step this page shows: the current one, or the last once all are done."""
    if not exercise.directional:
        return 0
    step = ps.atone_step(couple=couple, exercise=exercise)
    if step.direction is not None:
        return step.direction
    return max(len(step.roles.directions) - 1, 0)


def _practice(request: AuthedRequest, couple: CoupleView, exercise: Exercise) -> HttpResponse:
    if request.method == "POST":
        comfortable = {"yes": True, "no": False}.get(request.POST.get("comfortable", ""))
        services.practice_log(
            couple=couple,
            exercise=exercise,
            comfortable=comfortable,
            key=once.key_from(request.POST),
        )
        messages.success(request, _("Logged. Thank you for taking the time."))
        return _after_post(request, exercise)
    return _page(
        request,
        couple,
        exercise,
        {
            "logs": ps.practice_logs(couple=couple, exercise=exercise),
            "minutes": exercise.duration_seconds // 60,
        },
    )


def _conversation_act(
    request: AuthedRequest, couple: CoupleView, exercise: Exercise, action: str, text: str
) -> None:
    if action == "start":
        services.conversation_start(couple=couple, exercise=exercise)
        return
    common: _Common = {
        "couple": couple,
        "exercise": exercise,
        "conversation_id": _whole_number(request.POST.get("conversation")),
    }
    if action == "speak":
        services.conversation_speak(**common, text=text)
    elif action == "reflect":
        services.conversation_reflect(**common, text=text)
    elif action in ("yes", "not_quite"):
        services.conversation_confirm(**common, yes=action == "yes")
    elif action == "timeout":
        minutes = _whole_number(request.POST.get("minutes"), default=60)
        if not TIMEOUT_MINUTES_MIN <= minutes <= TIMEOUT_MINUTES_MAX:
            # Checked before any arithmetic: a huge number would overflow a timedelta.
            raise ProgramActionError("resume_window")
        services.conversation_timeout(
            **common, resume_at=timezone.now() + timedelta(minutes=minutes)
        )
    elif action == "resume":
        services.conversation_resume(**common)
    elif action == "finish":
        services.conversation_finish(**common)
    elif action == "commit":
        services.commitment_write(**common, text=text)
    elif action == "agree":
        services.commitment_agree(**common)
    else:
        raise ProgramActionError("busy")


class _Common(TypedDict):
    couple: CoupleView
    exercise: Exercise
    conversation_id: int


def _conversation(request: AuthedRequest, couple: CoupleView, exercise: Exercise) -> HttpResponse:
    text = request.POST.get("text", "")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            with services.conversation_step(
                couple=couple, key=once.key_from(request.POST)
            ) as first_time:
                if first_time:
                    _conversation_act(request, couple, exercise, action, text)
        except (ProgramActionError, ValueError) as error:
            _problem(
                request,
                error if isinstance(error, ProgramActionError) else ProgramActionError("busy"),
            )
            conversation = ps.conversation_current(couple=couple, exercise=exercise)
            return _page(
                request,
                couple,
                exercise,
                {
                    "talk": ps.conversation_view(couple=couple, conversation=conversation),
                    "typed": text,
                    "timeout_choices": TIMEOUT_CHOICES,
                },
            )
        return _after_post(request, exercise)
    conversation = ps.conversation_current(couple=couple, exercise=exercise)
    return _page(
        request,
        couple,
        exercise,
        {
            "talk": ps.conversation_view(couple=couple, conversation=conversation),
            "timeout_choices": TIMEOUT_CHOICES,
        },
        fragment="live",
    )


def _apology(request: AuthedRequest, couple: CoupleView, exercise: Exercise) -> HttpResponse:
    """The apology in four parts, by the partner who caused the hurt; the hurt partner answers."""
    parts = {part: request.POST.get(part, "") for part in services.APOLOGY_PARTS}
    heard, still_need = request.POST.get("heard", ""), request.POST.get("still_need", "")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "write":
                services.apology_write(couple=couple, exercise=exercise, parts=parts)
                messages.success(request, _("Sent. Every version is kept."))
            elif action == "answer":
                services.apology_answer(
                    couple=couple,
                    exercise=exercise,
                    version_id=_whole_number(request.POST.get("version")),
                    heard=heard,
                    still_need=still_need,
                )
                messages.success(request, _("Sent. Thank you for saying what you heard."))
            else:
                raise ProgramActionError("busy")
        except ProgramActionError as error:
            _problem(request, error)
            return _apology_page(
                request,
                couple,
                exercise,
                typed={**parts, "heard": heard, "still_need": still_need},
            )
        return _after_post(request, exercise)
    return _apology_page(request, couple, exercise)


def _apology_page(
    request: AuthedRequest,
    couple: CoupleView,
    exercise: Exercise,
    *,
    typed: dict[str, str] | None = None,
) -> HttpResponse:
    step = ps.atone_step(couple=couple, exercise=exercise)
    runs = len(step.roles.directions)
    shown = step.direction if step.direction is not None else runs - 1
    view = ps.apology_view(couple=couple, exercise=exercise, direction=shown)
    latest = view.latest
    start = typed or (
        {part: getattr(latest, part) for part in services.APOLOGY_PARTS} if latest else {}
    )
    return _page(
        request,
        couple,
        exercise,
        {
            "apology": view,
            "typed": start,
            "run": shown + 1,
            "runs": runs,
            "all_done": step.direction is None,
        },
    )


def _questions(request: AuthedRequest, couple: CoupleView, exercise: Exercise) -> HttpResponse:
    """The hurt partner asks, the other answers; either parks; the hurt partner says "enough"."""
    text = request.POST.get("text", "")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            question = _whole_number(request.POST.get("question"))
            if action == "ask":
                services.question_ask(
                    couple=couple, exercise=exercise, text=text, again_of=question or None
                )
            elif action == "answer":
                services.question_answer(
                    couple=couple, exercise=exercise, question_id=question, text=text
                )
            elif action in ("park", "unpark"):
                services.question_park(
                    couple=couple, exercise=exercise, question_id=question, park=action == "park"
                )
            elif action == "enough":
                services.questions_enough(couple=couple, exercise=exercise)
                messages.success(request, _("Noted. You can come back with more at any time."))
            else:
                raise ProgramActionError("busy")
        except ProgramActionError as error:
            _problem(request, error)
            return _questions_page(request, couple, exercise, typed=text)
        return _after_post(request, exercise)
    return _questions_page(request, couple, exercise)


def _questions_page(
    request: AuthedRequest, couple: CoupleView, exercise: Exercise, *, typed: str = ""
) -> HttpResponse:
    step = ps.atone_step(couple=couple, exercise=exercise)
    runs = len(step.roles.directions)
    shown = step.direction if step.direction is not None else runs - 1
    return _page(
        request,
        couple,
        exercise,
        {
            "questions": ps.questions_view(
                couple=couple, exercise=exercise, direction=shown, now=timezone.now()
            ),
            "typed": typed,
            "run": shown + 1,
            "runs": runs,
            "all_done": step.direction is None,
        },
    )


HANDLERS: dict[str, Callable[[AuthedRequest, CoupleView, Exercise], HttpResponse]] = {
    "reflection": _written,
    "reveal": _written,
    "map": _map,
    "agreement": _agreement,
    "practice": _practice,
    "conversation": _conversation,
    "apology": _apology,
    "questions": _questions,
}
