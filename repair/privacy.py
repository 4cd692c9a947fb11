"""A person's own data: what they may download, and deleting their account.

What an export holds follows one rule, the one the app's pages already follow ("what they may see
now"):

- everything the person wrote or chose themselves, from every shared space they have been in: drafts,
  private reflections, map answers, marks, practice logs, their own safety-check outcome;
- of their partner, only what the app shows them *now*, in the shared space they are in now: shared
  check-ins, shared reflection copies, reveal answers once both have submitted, the items of a map
  both marked yes or both marked maybe, the couple's agreements and conversations, notes sent to
  them. Once a space has ended neither partner sees the other's words in the app any more, so neither
  finds them in a download either.

Never: the partner's private reflections, drafts or unrevealed answers, their own map answers, their
marks, their safety check, anything of another couple. The partner-visibility rules themselves are
read from ``repair/program/selectors.py`` (and each app's selectors), not restated here.

Apps that build on the couple core add a section through their own ``<app>/privacy.py``
(``export_section(*, user, couple)``, and ``account_delete_prepare(*, user)`` when a joint row of theirs
points at the person), found the way ``manage.py demo`` finds ``<app>/demo.py``: the couple core never
imports them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from typing import Any, Protocol, cast

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from repair import services
from repair.models import (
    AgreementVersion,
    Conversation,
    Couple,
    ExerciseCompletion,
    Invite,
    MapAnswer,
    Membership,
    PauseNotice,
    PracticeLog,
    ProgramEntry,
    SafetyCheck,
    SelfDescription,
    StageReadiness,
    User,
)
from repair.program import Exercise, program
from repair.program import selectors as program_selectors
from repair.selectors import CoupleView, couple_for_user

type Data = dict[str, Any]

EXPORT_FORMAT = "mend-export-1"


@dataclass(frozen=True)
class ExportSection:
    """One part of a download: ``data`` goes into the JSON under ``key``; the readable copy renders
    ``template`` with ``data`` and ``readable`` (the same things arranged for reading, e.g. with
    labels in words; never anything that is not in ``data``)."""

    key: str
    title: StrOrPromise
    template: str
    data: Data
    readable: Data = field(default_factory=dict)


class PrivacyModule(Protocol):
    """What ``<app>/privacy.py`` provides. ``account_delete_prepare`` is optional."""

    def export_section(self, *, user: User, couple: CoupleView | None) -> ExportSection: ...

    def account_delete_prepare(self, *, user: User, partners: dict[int, int]) -> None: ...


def _app_modules() -> list[PrivacyModule]:
    return [
        cast(PrivacyModule, import_module(f"{config.name}.privacy"))
        for config in apps.get_app_configs()
        if config.name != "repair" and module_has_submodule(config.module, "privacy")
    ]


# --- export -----------------------------------------------------------------------------------------


def export_sections(*, user: User) -> list[ExportSection]:
    couple = couple_for_user(user=user)
    sections = [
        _account_section(user=user, couple=couple),
        _program_section(user=user, couple=couple),
    ]
    for module in _app_modules():
        sections.append(module.export_section(user=user, couple=couple))
    return sections


def export_for(*, user: User, now: datetime | None = None) -> Data:
    """Everything ``user`` may take with them, as plain data for JSON (dates stay date objects; the
    view's encoder writes them in ISO 8601)."""
    data: Data = {"format": EXPORT_FORMAT, "exported_at": now or timezone.now()}
    for section in export_sections(user=user):
        data[section.key] = section.data
    return data


def _account_section(*, user: User, couple: CoupleView | None) -> ExportSection:
    check = SafetyCheck.objects.filter(user=user).first()
    spaces = []
    for membership in (
        Membership.objects.filter(user=user).select_related("couple").order_by("joined_at")
    ):
        current = couple is not None and membership.couple_id == couple.couple.pk
        spaces.append(
            {
                "current": current,
                "joined_at": membership.joined_at,
                "left_at": membership.left_at,
                "ended_at": membership.couple.ended_at,
                # A former partner's name is not shown anywhere in the app once the space ended.
                "partner": couple.partner.name if current and couple and couple.partner else None,
            }
        )
    return ExportSection(
        key="account",
        title=_("Your account"),
        template="repair/export/account.html",
        data={
            "email": user.email,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
            ],
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "self_description": user.self_description,
            "self_description_label": (
                str(SelfDescription(user.self_description).label) if user.self_description else ""
            ),
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "safety_check": (
                {
                    "concern": check.concern,
                    "choice": check.choice,
                    "choice_label": str(SafetyCheck.Choice(check.choice).label),
                    "completed_at": check.completed_at,
                }
                if check
                else None
            ),
            "shared_spaces": spaces,
            "pause_notices": [
                {"created_at": p.created_at, "back_at": p.back_at}
                for p in PauseNotice.objects.filter(user=user).order_by("created_at")
            ],
        },
    )


def _title(slug: str) -> str:
    exercise = program().exercise(slug)
    return exercise.title if exercise else slug


def _exercise_data(slug: str) -> Data:
    return {"exercise": slug, "title": _title(slug)}


def _program_section(*, user: User, couple: CoupleView | None) -> ExportSection:
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
        slugs = (
            AgreementVersion.objects.filter(couple=couple.couple)
            .order_by()
            .values_list("exercise", flat=True)
            .distinct()
        )
        for slug in sorted(set(slugs)):
            exercise = program().exercise(slug)
            if exercise is None:
                continue
            view = program_selectors.agreement_view(couple=couple, exercise=exercise)
            found.append(
                {
                    **_exercise_data(slug),
                    "current_space": True,
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


# --- deleting an account ----------------------------------------------------------------------------


def former_partners(*, user: User) -> dict[int, int]:
    """For each space the person has been in, the other person's id (if there was one)."""
    couple_ids = Membership.objects.filter(user=user).values("couple_id")
    return dict(
        Membership.objects.filter(couple_id__in=couple_ids)
        .exclude(user=user)
        .values_list("couple_id", "user_id")
    )


def account_delete(*, user: User, now: datetime | None = None) -> None:
    """Delete the person and everything that is theirs alone.

    A shared space they are in ends first, exactly as when leaving (the partner sees the gentle
    "your shared space has ended" notice; no email). What the partner wrote stays theirs: joint rows
    that point at this person but hold the partner's words or marks (a conversation where this
    person had the floor, a ritual they scheduled for both) are handed to the partner rather than
    deleted with them. Everything else that points at the person goes with their row (CASCADE),
    including joint agreement versions they proposed: the partner no longer sees the ended space's
    joint things anyway. Spaces nobody is left in are deleted. Then every session they have, on any
    device, ends."""
    now = now or timezone.now()
    user_id = user.pk
    with transaction.atomic():
        if not User.objects.select_for_update().filter(pk=user_id).exists():
            return  # already gone: a double submit
        if Membership.objects.filter(user=user, left_at__isnull=True).exists():
            services.couple_leave(user=user, now=now)
        partners = former_partners(user=user)
        for couple_id, partner_id in partners.items():
            Conversation.objects.filter(couple_id=couple_id, floor=user).update(floor_id=partner_id)
        for module in _app_modules():
            prepare = getattr(module, "account_delete_prepare", None)
            if prepare is not None:
                prepare(user=user, partners=partners)
        # Their address in an invite someone else made for them: personal data in a row that stays.
        addresses = {user.email.lower()} | {
            a.lower()
            for a in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        }
        address_match = Q()
        for address in addresses:
            address_match |= Q(email__iexact=address)
        Invite.objects.filter(Q(accepted_by=user) | address_match).exclude(email="").update(
            email=""
        )
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
        ).delete()
        couple_ids = list(Membership.objects.filter(user=user).values_list("couple_id", flat=True))
        user.delete()
        Couple.objects.filter(pk__in=couple_ids).exclude(
            Exists(Membership.objects.filter(couple=OuterRef("pk")))
        ).delete()
    sessions_end(user_id=user_id)


def sessions_end(*, user_id: int) -> int:
    """End every stored session signed in as this person. Sessions are stored by key, not by person,
    so this reads each one: fine at this app's size (and only on account deletion)."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0  # cookie or cache-only sessions: nothing to look through
    ended = 0
    for session in store_class.get_model_class().objects.iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user_id):
            store_class(session_key=session.session_key).delete()
            ended += 1
    return ended
