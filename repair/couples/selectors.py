"""Reads for the couple core. Every read is scoped to one person; nothing here takes a couple id from
a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet, Subquery

from repair.couples.models import (
    Couple,
    HardMoment,
    Invite,
    Membership,
    PauseNotice,
    SafetyCheck,
    SafetyCheckOffer,
    User,
)
from repair.lib.tokens import token_hash


@dataclass(frozen=True)
class CoupleView:
    """The signed-in person's couple, as they may see it."""

    couple: Couple
    me: User
    partner: User | None

    @property
    def is_paired(self) -> bool:
        return self.partner is not None


def couple_for_user(*, user: User) -> CoupleView | None:
    """The person's active couple with both members, in one query, or None.

    The rows are the active memberships of the couple in which ``user`` has an active membership
    (at most two, by a constraint), each with its couple and person joined in. The partner's
    password hash is never loaded."""
    # The person's couple as a subquery, not a second join of memberships: PostgreSQL plans the
    # statement in a third of the time (~0.27 ms instead of ~0.8), on every page.
    mine = Membership.objects.filter(user=user, left_at__isnull=True).values("couple_id")[:1]
    rows = list(
        Membership.objects.filter(couple_id=Subquery(mine), left_at__isnull=True)
        .select_related("couple", "user")
        .defer("user__password")
    )
    if not rows:
        return None
    couple = rows[0].couple
    others = [m.user for m in rows if m.user_id != user.pk]
    return CoupleView(couple=couple, me=user, partner=others[0] if others else None)


def couple_last_ended_by_partner(*, user: User) -> Couple | None:
    """The person's most recent couple, if it was their partner who ended it (for a gentle notice)."""
    membership = (
        Membership.objects.filter(user=user, left_at__isnull=False)
        .exclude(couple__ended_by=user)
        .select_related("couple")
        .order_by("-left_at")
        .first()
    )
    return membership.couple if membership else None


def invite_for_token(*, token: str) -> Invite | None:
    if not token or len(token) > 100:
        return None
    return (
        Invite.objects.select_related("couple", "created_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def invite_for_digest(*, invite_id: int, token_sha256: str) -> Invite | None:
    """The invite a session remembered (``repair.pending_invite``): its id and its token's hash."""
    return (
        Invite.objects.select_related("couple", "created_by")
        .filter(pk=invite_id, token_hash=token_sha256)
        .first()
    )


def invites_pending(*, couple: Couple, now: datetime) -> QuerySet[Invite]:
    return Invite.objects.filter(
        couple=couple, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).order_by("-created_at")


def invite_replaced(*, invite: Invite) -> bool:
    """Whether the couple made another invite after this one (which then switched it off)."""
    return Invite.objects.filter(
        couple_id=invite.couple_id, created_at__gt=invite.created_at
    ).exists()


def invite_for_couple(*, couple: Couple, invite_id: int) -> Invite | None:
    return Invite.objects.filter(couple=couple, pk=invite_id).first()


def safety_check_for(*, user: User) -> SafetyCheck | None:
    """The person's own check outcome: for them alone, never for a page their partner sees."""
    return SafetyCheck.objects.filter(user=user).first()


def stepped_aside(*, user: User) -> bool:
    """Whether this person chose, after the private check, to go on on their own for now. Once
    paired that is real: couple work steps aside for them (their shared rituals' reminders stop,
    joint program steps wait), their check-ins stay private, and their partner sees only the
    neutral "taking some time" any pause shows, never why."""
    return SafetyCheck.objects.filter(user=user, choice=SafetyCheck.Choice.ALONE).exists()


def stepped_aside_in(*, couple: CoupleView) -> set[int]:
    """Which of the couple's members stepped aside (``stepped_aside``), in one query, for a page
    that needs both: the viewer's own state, and the partner's only to draw the neutral notice."""
    members = [couple.me.pk] + ([couple.partner.pk] if couple.partner else [])
    return set(
        SafetyCheck.objects.filter(
            user_id__in=members, choice=SafetyCheck.Choice.ALONE
        ).values_list("user_id", flat=True)
    )


def couple_work_paused_for(*, user: User, now: datetime) -> bool:
    """Whether joint couple work (conversations, opening a stage, anything that asks both
    partners to act together) should wait for this person's couple now: either partner stepped
    aside after the private check, or has a pause running. The same answer for both partners and
    for a pause as for a step aside, so it tells the partner nothing about why. For the program to
    call; it never says which of the two it was."""
    mine = Membership.objects.filter(user=user, left_at__isnull=True).values("couple_id")[:1]
    members = Membership.objects.filter(couple_id=Subquery(mine), left_at__isnull=True).values(
        "user_id"
    )
    return (
        SafetyCheck.objects.filter(user_id__in=members, choice=SafetyCheck.Choice.ALONE).exists()
        or _pauses_running(now=now).filter(couple_id=Subquery(mine), user_id__in=members).exists()
    )


def safety_check_due(*, user: User, before: str, since: datetime | None = None) -> bool:
    """Whether to offer this person the private check again, privately, at ``before`` (a
    ``SafetyCheckOffer.Moment``: "consent" before the Consent stage, "injury" before the hurt is
    told, "low-safety" after days of feeling on edge). Due until they answer it or set it aside
    for that moment (after ``since``, if given: "low-safety" comes back after a while). For the
    program to call before those steps; the offer is shown to this person only."""
    settled = SafetyCheckOffer.objects.filter(user=user, moment=before)
    if since is not None:
        settled = settled.filter(settled_at__gte=since)
    return not settled.exists()


def couple_work_gate(*, user: User) -> str:
    """Whether this person can start or join couple work now: "check" (the private safety screen
    comes first), "alone" (they chose to continue on their own for now) or "ok"."""
    check = SafetyCheck.objects.filter(user=user).only("choice").first()
    if check is None:
        return "check"
    return "alone" if check.choice == SafetyCheck.Choice.ALONE else "ok"


def _pauses_running(*, now: datetime) -> QuerySet[PauseNotice]:
    return PauseNotice.objects.filter(ended_at__isnull=True).filter(
        Q(back_at__isnull=True) | Q(back_at__gt=now)
    )


def pause_mine(*, couple: CoupleView, now: datetime) -> PauseNotice | None:
    """The person's own pause, if it is still running (so they can say they're back)."""
    return (
        _pauses_running(now=now)
        .filter(couple=couple.couple, user=couple.me)
        .order_by("-created_at")
        .first()
    )


@dataclass(frozen=True)
class PartnerAway:
    """What a person sees of their partner taking time: when they'll be back, if they said."""

    back_at: datetime | None


def partner_pause(
    *, couple: CoupleView, now: datetime, partner_aside: bool | None = None
) -> PartnerAway | None:
    """The partner taking some time: their pause, if running, or their having stepped aside
    after the private check, shown exactly like a pause "for a while" (no time), so the partner
    can't tell the two apart. ``partner_aside``: already known (``stepped_aside_in``)."""
    if couple.partner is None:
        return None
    running = (
        _pauses_running(now=now)
        .filter(couple=couple.couple, user=couple.partner)
        .order_by("-created_at")
        .only("back_at")
        .first()
    )
    if running is not None and running.back_at is not None:
        return PartnerAway(back_at=running.back_at)
    if partner_aside is None:
        partner_aside = stepped_aside(user=couple.partner)
    if running is not None or partner_aside:
        return PartnerAway(back_at=None)
    return None


# --- when it hits ------------------------------------------------------------------------------------


def _signals_showing(*, now: datetime) -> QuerySet[HardMoment]:
    return HardMoment.objects.filter(
        signal=True, signal_ended_at__isnull=True, created_at__gt=now - HardMoment.SIGNAL_SHOWN_FOR
    )


def signal_mine(*, couple: CoupleView, now: datetime) -> HardMoment | None:
    """The person's own quiet signal, if it is still showing to their partner."""
    return (
        _signals_showing(now=now)
        .filter(couple=couple.couple, user=couple.me)
        .defer("note")
        .order_by("-created_at")
        .first()
    )


def signal_from_partner(*, couple: CoupleView, now: datetime) -> HardMoment | None:
    """The partner's quiet signal, if showing. Only that it exists and when: the row's note is
    never loaded here, so no page can show it."""
    if couple.partner is None:
        return None
    return (
        _signals_showing(now=now)
        .filter(couple=couple.couple, user=couple.partner)
        .only("id", "created_at")
        .order_by("-created_at")
        .first()
    )


def hard_moment_notes(*, user: User, limit: int = 5) -> list[HardMoment]:
    """The person's own latest notes: never anyone else's."""
    return list(
        HardMoment.objects.filter(user=user).exclude(note="").order_by("-created_at")[:limit]
    )
