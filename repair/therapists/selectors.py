"""Reads for the therapist window. Two doors, never a third:

- a partner reads their own couple's access (``access_for_couple``), found from the signed-in
  person, as every couple page does;
- a therapist reads an access by id only among those open to them (``access_open_for``): another
  couple's, one not yet agreed by both, or one that ended is simply not found (a 404).

``window`` builds what a therapist may see, from the kinds both partners chose; the couple's own
page and the printable summary show the same thing. It reads only what both partners can already
see in the app (shared check-in answers, agreements in force, agreed commitment notes, ritual days
both marked alike, open stages), minus anything either partner held back. Never private
reflections, drafts, unrevealed or map answers, roles, the safety screen, or one partner's marks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from checkins.models import NOTE_FIELDS, SCALES, CheckIn, Scale, Visibility
from repair.couples.models import Couple, Membership, User
from repair.couples.selectors import CoupleView
from repair.lib.tokens import token_hash
from repair.program.content import program
from repair.program.models import AgreementVersion, Commitment
from repair.program.selectors import program_state
from repair.therapists.models import (
    ItemKind,
    Scope,
    TherapistAccess,
    TherapistConsent,
    TherapistItem,
    TherapistView,
)
from rituals.library import BY_SLUG
from rituals.models import OccurrenceMark, OccurrenceStatus

# How far back the therapist's page looks, unless a period is chosen for the summary.
DEFAULT_DAYS = 28
LOG_SHOWN = 50


def _open(queryset: QuerySet[TherapistAccess]) -> QuerySet[TherapistAccess]:
    """Open: accepted by the therapist, agreed by both partners, not ended, couple together."""
    return queryset.annotate(agreed=Count("consents")).filter(
        ended_at__isnull=True,
        therapist__isnull=False,
        accepted_at__isnull=False,
        couple__ended_at__isnull=True,
        agreed__gte=Couple.MAX_MEMBERS,
    )


def access_open_for(*, therapist: User, access_id: int) -> TherapistAccess | None:
    if not therapist.is_therapist:
        return None
    return (
        _open(TherapistAccess.objects.filter(pk=access_id, therapist=therapist))
        .select_related("couple")
        .first()
    )


@dataclass(frozen=True)
class TherapistCouple:
    access: TherapistAccess
    names: list[str]
    open: bool


def couples_for_therapist(*, therapist: User) -> list[TherapistCouple]:
    """The couples who invited this therapist and have not ended it. Names only once both partners
    agreed: until then the therapist learns nothing of them but that an invitation waits."""
    accesses = list(
        TherapistAccess.objects.filter(
            therapist=therapist, ended_at__isnull=True, couple__ended_at__isnull=True
        )
        .annotate(agreed=Count("consents"))
        .order_by("-accepted_at")
    )
    members: dict[int, list[str]] = defaultdict(list)
    for membership in Membership.objects.filter(
        couple_id__in=[a.couple_id for a in accesses if a.agreed >= Couple.MAX_MEMBERS],
        left_at__isnull=True,
    ).select_related("user"):
        members[membership.couple_id].append(membership.user.name)
    return [
        TherapistCouple(
            access=access,
            names=sorted(members.get(access.couple_id, [])),
            open=access.agreed >= Couple.MAX_MEMBERS,
        )
        for access in accesses
    ]


def access_for_token(*, token: str) -> TherapistAccess | None:
    return TherapistAccess.objects.filter(token_hash=token_hash(token)).first() if token else None


def access_for_digest(*, access_id: int, token_sha256: str) -> TherapistAccess | None:
    return TherapistAccess.objects.filter(pk=access_id, token_hash=token_sha256).first()


def access_for_couple(*, couple: CoupleView) -> TherapistAccess | None:
    """The couple's current therapist invitation or access (not ended), if any."""
    return (
        TherapistAccess.objects.filter(couple=couple.couple, ended_at__isnull=True)
        .annotate(agreed=Count("consents"))
        .first()
    )


def access_last_ended(*, couple: CoupleView) -> TherapistAccess | None:
    return (
        TherapistAccess.objects.filter(couple=couple.couple, ended_at__isnull=False)
        .order_by("-ended_at")
        .first()
    )


def consent_of(*, access: TherapistAccess, user: User) -> TherapistConsent | None:
    return TherapistConsent.objects.filter(access=access, user=user).first()


def scopes_agreed(*, access: TherapistAccess) -> list[str]:
    """The kinds both partners chose, in the list's order; empty until both agreed."""
    chosen = [set(c.scopes) for c in TherapistConsent.objects.filter(access=access)]
    if len(chosen) < Couple.MAX_MEMBERS:
        return []
    both = set.intersection(*chosen)
    return [scope for scope in Scope.values if scope in both]


def is_open(*, access: TherapistAccess) -> bool:
    return _open(TherapistAccess.objects.filter(pk=access.pk)).exists()


def view_log(*, access: TherapistAccess) -> list[TherapistView]:
    return list(TherapistView.objects.filter(access=access).order_by("-viewed_at")[:LOG_SHOWN])


# --- the window ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinRow:
    day: date
    person: str
    numbers: list[tuple[Scale, int]]
    notes: list[tuple[str, str]]
    checkin_id: int
    mine: bool
    notes_shown: bool
    withheld: bool
    has_notes: bool


@dataclass(frozen=True)
class Trend:
    person: str
    scale: Scale
    earlier: float | None
    later: float | None
    count: int


@dataclass(frozen=True)
class AgreementRow:
    key: str
    title: str
    versions: list[AgreementVersion]
    withheld: bool


@dataclass(frozen=True)
class CommitmentRow:
    commitment_id: int
    person: str
    text: str
    agreed_at: object
    mine: bool
    withheld: bool


@dataclass(frozen=True)
class RitualDay:
    day: date
    title: StrOrPromise
    status: StrOrPromise


@dataclass
class Window:
    start: date
    end: date
    scopes: list[str]
    checkins: list[CheckinRow] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)
    agreements: list[AgreementRow] = field(default_factory=list)
    commitments: list[CommitmentRow] = field(default_factory=list)
    ritual_days: list[RitualDay] = field(default_factory=list)
    stages_open: list[str] = field(default_factory=list)

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def period_default(*, viewer: User) -> tuple[date, date]:
    today = viewer.local_today()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _members(couple: Couple) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(couple=couple, left_at__isnull=True)
        .select_related("user")
        .order_by("joined_at", "pk")
    ]


def _choices(couple: Couple) -> tuple[set[tuple[str, str]], set[tuple[int, str, str]]]:
    """(kind, key) held back by anyone, and (user, kind, key) whose notes were shown."""
    withheld: set[tuple[str, str]] = set()
    shown: set[tuple[int, str, str]] = set()
    for user_id, kind, key, is_withheld, is_shown in TherapistItem.objects.filter(
        couple=couple
    ).values_list("user_id", "kind", "key", "withheld", "shown"):
        if is_withheld:
            withheld.add((kind, key))
        if is_shown:
            shown.add((user_id, kind, key))
    return withheld, shown


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def window(
    *,
    couple: Couple,
    scopes: list[str],
    start: date,
    end: date,
    viewer: User | None = None,
    notes: bool = True,
) -> Window:
    """What the therapist sees for ``couple``, within ``scopes``, for local days start..end.
    ``viewer`` (a partner on their own page) only marks which rows are theirs, for the controls;
    it never adds anything. ``notes`` False leaves every check-in note out (the summary)."""
    result = Window(start=start, end=end, scopes=scopes)
    members = _members(couple)
    if len(members) < Couple.MAX_MEMBERS:
        return result
    names = {m.pk: m.name for m in members}
    withheld, shown = _choices(couple)
    if Scope.CHECKINS in scopes:
        values: dict[tuple[int, str], list[tuple[date, int]]] = defaultdict(list)
        checkins = CheckIn.objects.filter(
            couple=couple,
            user_id__in=names,
            visibility=Visibility.SHARED,
            local_date__gte=start,
            local_date__lte=end,
        ).order_by("-local_date", "user_id")
        for checkin in checkins:
            key = str(checkin.pk)
            is_withheld = (ItemKind.CHECKIN, key) in withheld
            mine = viewer is not None and checkin.user_id == viewer.pk
            if is_withheld and not mine:
                continue
            checkin.only_shared()
            numbers = [
                (scale, value)
                for scale in SCALES
                if (value := getattr(checkin, scale.field)) is not None
            ]
            notes_shown = (checkin.user_id, ItemKind.NOTES, key) in shown
            written = [(name, text) for name in NOTE_FIELDS if (text := getattr(checkin, name))]
            if not is_withheld:
                for scale, value in numbers:
                    values[(checkin.user_id, scale.field)].append((checkin.local_date, value))
            result.checkins.append(
                CheckinRow(
                    day=checkin.local_date,
                    person=names[checkin.user_id],
                    numbers=numbers,
                    notes=written if notes and notes_shown and not is_withheld else [],
                    checkin_id=checkin.pk,
                    mine=mine,
                    notes_shown=notes_shown,
                    withheld=is_withheld,
                    has_notes=bool(written),
                )
            )
        middle = start + (end - start) / 2
        for member in members:
            for scale in SCALES:
                found = values.get((member.pk, scale.field), [])
                if not found:
                    continue
                result.trends.append(
                    Trend(
                        person=member.name,
                        scale=scale,
                        earlier=_mean([v for d, v in found if d <= middle]),
                        later=_mean([v for d, v in found if d > middle]),
                        count=len(found),
                    )
                )
    if Scope.AGREEMENTS in scopes:
        grouped: dict[str, list[AgreementVersion]] = defaultdict(list)
        for version in AgreementVersion.objects.filter(
            couple=couple, in_force_at__isnull=False
        ).order_by("exercise", "direction", "number"):
            grouped[f"{version.exercise}:{version.direction}"].append(version)
        for key, versions in grouped.items():
            is_withheld = (ItemKind.AGREEMENT, key) in withheld
            if is_withheld and viewer is None:
                continue
            exercise = program().exercise(versions[0].exercise)
            result.agreements.append(
                AgreementRow(
                    key=key,
                    title=exercise.title if exercise else versions[0].exercise,
                    versions=versions,
                    withheld=is_withheld,
                )
            )
    if Scope.COMMITMENTS in scopes:
        for commitment in Commitment.objects.filter(
            conversation__couple=couple, agreed_at__isnull=False, user_id__in=names
        ).order_by("-agreed_at"):
            key = str(commitment.pk)
            is_withheld = (ItemKind.COMMITMENT, key) in withheld
            mine = viewer is not None and commitment.user_id == viewer.pk
            if is_withheld and not mine:
                continue
            result.commitments.append(
                CommitmentRow(
                    commitment_id=commitment.pk,
                    person=names[commitment.user_id],
                    text=commitment.text,
                    agreed_at=commitment.agreed_at,
                    mine=mine,
                    withheld=is_withheld,
                )
            )
    if Scope.RITUALS in scopes:
        # A day counts only when both partners marked a ritual for both of them the same way:
        # one partner's marks are their own, and a day one of them left unmarked says nothing.
        marks: dict[tuple[int, date], list[str]] = defaultdict(list)
        slugs: dict[int, str] = {}
        for ritual_id, slug, day, status in OccurrenceMark.objects.filter(
            ritual__couple=couple,
            ritual__person__isnull=True,
            user_id__in=names,
            date__gte=start,
            date__lte=end,
        ).values_list("ritual_id", "ritual__ritual", "date", "status"):
            marks[(ritual_id, day)].append(status)
            slugs[ritual_id] = slug
        for (ritual_id, day), statuses in sorted(marks.items(), key=lambda i: i[0][1]):
            if len(statuses) == Couple.MAX_MEMBERS and len(set(statuses)) == 1:
                library = BY_SLUG.get(slugs[ritual_id])
                result.ritual_days.append(
                    RitualDay(
                        day=day,
                        title=library.title if library else slugs[ritual_id],
                        status=OccurrenceStatus(statuses[0]).label,
                    )
                )
    if Scope.STAGES in scopes:
        view = CoupleView(couple=couple, me=members[0], partner=members[1])
        result.stages_open = [
            s.stage.title for s in program_state(couple=view).stages if s.unlocked
        ]
    return result


def is_member(*, couple: Couple, user: User) -> bool:
    return Membership.objects.filter(couple=couple, user=user, left_at__isnull=True).exists()


def now_local(*, user: User) -> date:
    return user.local_today(timezone.now())


def is_member_anywhere(*, user: User) -> bool:
    return Membership.objects.filter(user=user, left_at__isnull=True).exists()
