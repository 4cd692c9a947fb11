"""The program's part of a person's download, and what it hands to the partner when an account is
deleted. What the partner may see is read from ``repair/program/selectors.py``, not restated here."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from repair.couples.models import Membership, User
from repair.couples.selectors import CoupleView
from repair.lib.export import Data, ExportSection
from repair.program import selectors as program_selectors
from repair.program.bank import bank
from repair.program.content import Exercise, program
from repair.program.models import (
    AgreementVersion,
    ApologyVersion,
    AtoneQuestion,
    BankAnswer,
    CheckBack,
    Conversation,
    ExerciseCompletion,
    MapAnswer,
    PracticeLog,
    ProgramEntry,
    ReconnectionOpen,
    ReconnectionShown,
    ReconnectionYes,
    StageReadiness,
)
from repair.program.reconnection import sequence


def _title(slug: str) -> str:
    exercise = program().exercise(slug)
    return exercise.title if exercise else slug


def _exercise_data(slug: str) -> Data:
    return {"exercise": slug, "title": _title(slug)}


def export_section(*, user: User, couple: CoupleView | None) -> ExportSection:
    current_id = couple.couple.pk if couple else None
    paired = couple if couple is not None and couple.partner is not None else None
    data: Data = {
        "my_entries": [
            {
                **_exercise_data(entry.exercise),
                "current_space": entry.couple_id == current_id,
                "text": entry.text,
                "status": "submitted" if entry.submitted_at else "draft",
                "submitted_at": entry.submitted_at,
                "shared_with_partner_at": entry.shared_at,
                # The copy the partner reads, when the author has changed the text since.
                "shared_copy": entry.shared_text
                if entry.shared_at and entry.shared_text != entry.text
                else "",
                "updated_at": entry.updated_at,
            }
            for entry in ProgramEntry.objects.filter(user=user).order_by("updated_at", "pk")
        ],
        "partner_entries": _partner_entries(couple=paired) if paired else [],
        "exercises_done": [
            {**_exercise_data(c.exercise), "completed_at": c.completed_at}
            for c in ExerciseCompletion.objects.filter(user=user).order_by("completed_at", "pk")
        ],
        "stages_ready": [
            {"stage": r.stage, "ready_at": r.ready_at}
            for r in StageReadiness.objects.filter(user=user).order_by("ready_at", "pk")
        ],
        "maps": _maps(user=user, couple=couple),
        "agreements": _agreements(user=user, couple=couple),
        "practice": [
            {
                **_exercise_data(log.exercise),
                "completed_at": log.completed_at,
                "comfortable": log.comfortable,
            }
            for log in PracticeLog.objects.filter(user=user).order_by("completed_at", "pk")
        ],
        "conversations": _conversations(user=user, couple=couple),
        "reconnection": _reconnection(user=user, couple=couple),
        **long_run_export(user=user),
        "apologies": _apologies(user=user, couple=couple),
        "questions": _questions(user=user, couple=couple),
    }
    return ExportSection(
        key="program", title=_("The program"), template="repair/export/program.html", data=data
    )


def _partner_entries(*, couple: CoupleView) -> list[Data]:
    """The partner's answers this person is shown now. ``entries_for`` decides, so the rule lives in
    one place (a reflection's text here is the copy its author last shared, never their working
    text); it is asked only about exercises where the partner has submitted something."""
    assert couple.partner is not None
    submitted = set(
        ProgramEntry.objects.filter(
            couple=couple.couple, user=couple.partner, submitted_at__isnull=False
        ).values_list("exercise", flat=True)
    )
    found = []
    for exercise in program().exercises:
        if exercise.slug not in submitted:
            continue
        visible = program_selectors.entries_for(couple=couple, exercise=exercise).partner
        if visible is not None:
            found.append(
                {
                    **_exercise_data(exercise.slug),
                    "kind": exercise.type,
                    "text": visible.text,
                    "shown_since": visible.at,
                }
            )
    return found


def _item_labels(exercise: Exercise | None, keys: list[str]) -> list[str]:
    labels = {item.key: item.label for item in exercise.items} if exercise else {}
    return [labels.get(key, key) for key in keys]


def _maps(*, user: User, couple: CoupleView | None) -> list[Data]:
    """Own answers from every space; the both-yes and both-maybe lists only for the space the person
    is in now, from ``map_view``: the last comparison both sent, narrowed as the page narrows it,
    never the partner's own answers."""
    mine: dict[tuple[int, str], list[MapAnswer]] = defaultdict(list)
    for answer in MapAnswer.objects.filter(user=user).order_by("couple_id", "exercise", "pk"):
        mine[(answer.couple_id, answer.exercise)].append(answer)
    found = []
    for (couple_id, slug), answers in mine.items():
        exercise = program().exercise(slug)
        labels = {item.key: item.label for item in exercise.items} if exercise else {}
        entry: Data = {
            **_exercise_data(slug),
            "current_space": couple is not None and couple_id == couple.couple.pk,
            "my_answers": [
                {"item": a.item, "label": labels.get(a.item, a.item), "answer": a.answer}
                for a in answers
            ],
            "both_yes": [],
            "both_maybe": [],
            "compared_at": None,
        }
        if entry["current_space"] and couple is not None and couple.partner and exercise:
            view = program_selectors.map_view(couple=couple, exercise=exercise)
            entry["both_yes"] = _item_labels(exercise, view.both_yes)
            entry["both_maybe"] = _item_labels(exercise, view.both_maybe)
            entry["compared_at"] = view.compared_at
        found.append(entry)
    return found


def _agreements(*, user: User, couple: CoupleView | None) -> list[Data]:
    """The space the person is in now: every version, whoever proposed it (agreements are joint).
    Spaces that ended: only the versions they proposed themselves."""
    found: list[Data] = []
    if couple is not None:
        # One partner's own commitments (transparency) run once per direction of hurt.
        runs = (
            AgreementVersion.objects.filter(couple=couple.couple)
            .order_by()
            .values_list("exercise", "direction")
            .distinct()
        )
        for slug, direction in sorted(set(runs)):
            exercise = program().exercise(slug)
            if exercise is None:
                continue
            view = program_selectors.agreement_view(
                couple=couple, exercise=exercise, direction=direction
            )
            found.append(
                {
                    **_exercise_data(slug),
                    "current_space": True,
                    "direction": direction,
                    "versions": [
                        {
                            "number": v.version.number,
                            "text": v.version.text,
                            "proposed_by": "me"
                            if v.version.proposed_by_id == user.pk
                            else "partner",
                            "created_at": v.version.created_at,
                            "in_force_at": v.version.in_force_at,
                            "review_on": v.version.review_on,
                            "accepted_by_me": v.accepted_by_me,
                            "accepted_by_partner": v.accepted_by_partner,
                        }
                        for v in view.versions
                    ],
                }
            )
    earlier = (
        AgreementVersion.objects.filter(proposed_by=user)
        .prefetch_related("acceptances")
        .order_by("couple_id", "exercise", "number")
    )
    if couple is not None:
        earlier = earlier.exclude(couple=couple.couple)
    grouped: dict[tuple[int, str], list[AgreementVersion]] = defaultdict(list)
    for version in earlier:
        grouped[(version.couple_id, version.exercise)].append(version)
    for (_couple_id, slug), versions in grouped.items():
        found.append(
            {
                **_exercise_data(slug),
                "current_space": False,
                "versions": [
                    {
                        "number": v.number,
                        "text": v.text,
                        "proposed_by": "me",
                        "created_at": v.created_at,
                        "in_force_at": v.in_force_at,
                        "review_on": v.review_on,
                        "accepted_by_me": any(a.user_id == user.pk for a in v.acceptances.all()),
                    }
                    for v in versions
                ],
            }
        )
    return found


def _conversations(*, user: User, couple: CoupleView | None) -> list[Data]:
    """The space the person is in now: every conversation, both sides (each turn was shown to both
    as it happened), and the partner's commitment once the person wrote one too (the page shows it
    only then). Spaces that ended: only the person's own turns and commitments."""
    couple_ids = list(Membership.objects.filter(user=user).values_list("couple_id", flat=True))
    current_id = couple.couple.pk if couple else None
    conversations = (
        Conversation.objects.filter(couple_id__in=couple_ids)
        .prefetch_related("turns", "commitments")
        .order_by("started_at", "pk")
    )
    found = []
    for conversation in conversations:
        current = conversation.couple_id == current_id
        commitments = list(conversation.commitments.all())
        i_committed = any(c.user_id == user.pk for c in commitments)
        turns = [
            {
                "by": "me" if t.author_id == user.pk else "partner",
                "kind": t.kind,
                "text": t.text,
                "confirmed": t.confirmed,
                "at": t.created_at,
            }
            for t in conversation.turns.all()
            if current or t.author_id == user.pk
        ]
        notes = [
            {
                "by": "me" if c.user_id == user.pk else "partner",
                "text": c.text,
                "agreed_at": c.agreed_at,
            }
            for c in commitments
            if c.user_id == user.pk or (current and i_committed)
        ]
        if not current and not turns and not notes:
            continue
        found.append(
            {
                **_exercise_data(conversation.exercise),
                "current_space": current,
                "started_at": conversation.started_at,
                "ended_at": conversation.ended_at,
                "turns": turns,
                "commitments": notes,
            }
        )
    return found


def _apologies(*, user: User, couple: CoupleView | None) -> list[Data]:
    """The apology, in every space the person was in. Their own words always: the versions they
    wrote, and their answers to a version. The partner's words only in the space they are in now,
    and only what the page shows both by design (an apology is written to be read by the one it
    is addressed to; the answer, by the one who wrote it). Spaces that ended: own words only."""
    couple_ids = list(Membership.objects.filter(user=user).values_list("couple_id", flat=True))
    current_id = couple.couple.pk if couple else None
    versions = (
        ApologyVersion.objects.filter(couple_id__in=couple_ids)
        .prefetch_related("answers")
        .order_by("couple_id", "exercise", "direction", "number")
    )
    found = []
    for version in versions:
        current = version.couple_id == current_id
        mine = version.author_id == user.pk
        answers = [
            {
                "by": "me" if a.author_id == user.pk else "partner",
                "heard": a.heard,
                "still_need": a.still_need,
                "at": a.created_at,
            }
            for a in version.answers.all()
            if a.author_id == user.pk or current
        ]
        if not (mine or current or answers):
            continue
        found.append(
            {
                **_exercise_data(version.exercise),
                "current_space": current,
                "direction": version.direction,
                "number": version.number,
                "written_by": "me" if mine else "partner",
                "created_at": version.created_at,
                # The four parts: the author's own words, or addressed to this person (now only).
                "parts": {
                    part: getattr(version, part)
                    for part in ("damage", "owning", "changes", "signs")
                }
                if mine or current
                else {},
                "answers": answers,
            }
        )
    return found


def _questions(*, user: User, couple: CoupleView | None) -> list[Data]:
    """Questions asked and answered about the injury. The person's own words in every space: the
    questions they asked, the answers they gave. In the space they are in now, both (each was
    asked to be answered, and both partners see them on the page); in spaces that ended, only
    their own half of each."""
    couple_ids = list(Membership.objects.filter(user=user).values_list("couple_id", flat=True))
    current_id = couple.couple.pk if couple else None
    found = []
    for question in AtoneQuestion.objects.filter(couple_id__in=couple_ids).order_by(
        "couple_id", "asked_at", "pk"
    ):
        current = question.couple_id == current_id
        asked_by_me = question.asker_id == user.pk
        # The one who did not ask is the one who answers (a couple has two members).
        answered_by_me = not asked_by_me and bool(question.answer)
        if not (current or asked_by_me or answered_by_me):
            continue
        found.append(
            {
                **_exercise_data(question.exercise),
                "current_space": current,
                "direction": question.direction,
                "asked_by": "me" if asked_by_me else "partner",
                "question": question.text if asked_by_me or current else "",
                "asked_at": question.asked_at,
                "asked_again": question.again_of_id is not None,
                "parked": question.parked_at is not None,
                "answer": question.answer if answered_by_me or current else "",
                "answered_at": question.answered_at,
            }
        )
    return found


def account_delete_prepare(*, user: User, partners: dict[int, int]) -> None:
    """A conversation where the person had the floor holds the partner's words too: it is handed
    to the partner rather than deleted with the person."""
    for couple_id, partner_id in partners.items():
        Conversation.objects.filter(couple_id=couple_id, floor=user).update(floor_id=partner_id)


def _reconnection(*, user: User, couple: CoupleView | None) -> Data:
    """Reconnection: this person's own yeses and Today choice, and the steps open now in their
    current space (which both partners see). Never the partner's yes or choice."""
    steps = {s.slug: s.title for s in sequence().steps}
    opened = (
        ReconnectionOpen.objects.filter(couple=couple.couple).order_by("opened_at", "pk")
        if couple
        else ReconnectionOpen.objects.none()
    )
    return {
        "my_yes": [
            {"step": y.step, "title": steps.get(y.step, y.step), "said_at": y.said_at}
            for y in ReconnectionYes.objects.filter(user=user).order_by("said_at", "pk")
        ],
        "open_now": [
            {"step": o.step, "title": steps.get(o.step, o.step), "opened_at": o.opened_at}
            for o in opened
        ],
        "i_chose_today": couple is not None
        and ReconnectionShown.objects.filter(user=user, couple=couple.couple).exists(),
    }


def long_run_export(*, user: User) -> Data:
    """This person's own words in the prompt bank and the check-backs, from every space. Only
    their own: a partner's answer stays with the partner."""
    answers: list[Data] = []
    for answer in (
        BankAnswer.objects.filter(user=user).select_related("draw").order_by("answered_at", "pk")
    ):
        prompt = bank().prompt(answer.draw.prompt)
        answers.append(
            {
                "prompt": answer.draw.prompt,
                "question": prompt.text if prompt else "",
                "text": answer.text,
                "answered_at": answer.answered_at,
                "shown_to_both": answer.draw.revealed_at is not None,
            }
        )
    check_backs: list[Data] = [
        {
            "months": row.months,
            "reflection": row.reflection,
            "line_for_the_next_season": row.hope,
            "agreements_still_right": [_title(slug) for slug in row.still_right],
            "sent_at": row.sent_at,
        }
        for row in CheckBack.objects.filter(user=user).order_by("months", "pk")
    ]
    return {"my_prompt_answers": answers, "my_check_backs": check_backs}
