"""Writes for the couple core: creating a couple, inviting, accepting, leaving, editing a profile.

Each function is keyword-only, takes ``now`` so tests control time, and raises a ``CoupleError`` with
a code the views turn into a kind message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from repair.couples import emails, once
from repair.couples.models import (
    Clock,
    Couple,
    HardMoment,
    Invite,
    InviteStatus,
    Membership,
    PauseNotice,
    SafetyCheck,
    SafetyCheckOffer,
    User,
)
from repair.couples.signals import time_zone_changed
from repair.lib.tokens import token_hash, token_new


class CoupleError(Exception):
    """A couple action that cannot be done, with a machine-readable reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class NewInvite:
    invite: Invite
    # The only copy of the raw token: shown once to the inviter, or put in the email. Empty for a
    # repeat of an emailed invite: that link is in the email, and a new one would break it.
    token: str
    # The same form sent again (repair.once): no second invite, and no second email.
    repeat: bool = False

    @property
    def url(self) -> str:
        return invite_url(token=self.token) if self.token else ""


def invite_url(*, token: str) -> str:

    return settings.SITE_URL + reverse("invite_accept", kwargs={"token": token})


def couple_create(*, user: User, now: datetime | None = None) -> Couple:
    now = now or timezone.now()
    if user.is_therapist:
        # A therapist account never has a couple of its own (repair/therapists/).
        raise CoupleError("therapist")
    with transaction.atomic():
        if Membership.objects.filter(user=user, left_at__isnull=True).exists():
            raise CoupleError("already_in_couple")
        couple = Couple.objects.create(created_at=now)
        try:
            with transaction.atomic():
                Membership.objects.create(couple=couple, user=user, joined_at=now)
        except IntegrityError:
            # Two tabs pressed "create" at once: the other one won.
            raise CoupleError("already_in_couple") from None
    return couple


def invite_create(
    *,
    couple: Couple,
    created_by: User,
    email: str = "",
    key: UUID | None = None,
    now: datetime | None = None,
) -> NewInvite:
    """A new invite for the couple. An earlier pending invite of the same kind (a link, or an
    emailed link) is switched off, so at most one of each works at a time and a lost link is fixed
    by making a new one.

    The same form sent twice (``key``, see ``repair.once``) makes one invite. The raw token of the
    first is gone, so a repeat of a link invite gives that same invite a fresh token (the first
    answer's link, which nobody saw, stops working); a repeat of an emailed one changes nothing,
    so the emailed link keeps working, and is not emailed again."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Couple.objects.select_for_update().get(pk=couple.pk)
        if locked.ended_at is not None:
            raise CoupleError("couple_ended")
        if locked.memberships.filter(left_at__isnull=True).count() >= Couple.MAX_MEMBERS:
            raise CoupleError("couple_full")
        claim = once.claim(user=created_by, purpose="repair.invite", key=key, now=now)
        first = claim.first_of(
            Invite.objects.filter(couple=locked, accepted_at__isnull=True, revoked_at__isnull=True)
        )
        if first is not None:
            if first.email:
                return NewInvite(invite=first, token="", repeat=True)
            token = token_new()
            Invite.objects.filter(pk=first.pk).update(token_hash=token_hash(token))
            return NewInvite(invite=first, token=token, repeat=True)
        # A new link replaces an older link, a new email invite an older email invite; a link
        # and an email invite wait side by side, so emailing one never silently switches off a
        # link sent a minute earlier.
        same_kind = Q(email="") if not email.strip() else ~Q(email="")
        Invite.objects.filter(
            same_kind, couple=locked, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        token = token_new()
        invite = Invite.objects.create(
            couple=locked,
            created_by=created_by,
            token_hash=token_hash(token),
            email=email.strip().lower(),
            created_at=now,
            expires_at=now + settings.INVITE_TTL,
        )
        claim.record(invite.pk)
    return NewInvite(invite=invite, token=token)


def invite_send_email(*, new_invite: NewInvite, inviter: User) -> bool:
    """Email the invite link. Called after the invite is committed; returns False when the mail
    server could not take it, so the page can offer the link to copy instead. The raw token never
    passes through the task queue: it goes straight from this request to the mail server."""
    invite = new_invite.invite
    if new_invite.repeat:
        return True  # the first of these two sends emailed it
    if not invite.email:
        return False
    return emails.send_invite(to=invite.email, inviter_name=inviter.name, url=new_invite.url)


def invite_revoke(*, invite: Invite, now: datetime | None = None) -> None:
    now = now or timezone.now()
    Invite.objects.filter(pk=invite.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )


def invite_accept(
    *, user: User, token: str = "", token_sha256: str = "", now: datetime | None = None
) -> Couple:
    """Join the couple behind ``token`` (from the link) or ``token_sha256`` (its hash, which is
    all a session remembers). Single use: a conditional update claims the invite, so two people
    (or two tabs) racing for one link cannot both get in."""
    now = now or timezone.now()
    digest = token_sha256 or (token_hash(token) if token else "")
    if not digest:
        raise CoupleError("not_found")
    if user.is_therapist:
        raise CoupleError("therapist")
    with transaction.atomic():
        invite = (
            Invite.objects.select_for_update()
            .select_related("couple")
            .filter(token_hash=digest)
            .first()
        )
        if invite is None:
            raise CoupleError("not_found")
        status = invite.status(now=now)
        if status != InviteStatus.PENDING:
            raise CoupleError(str(status))
        couple = Couple.objects.select_for_update().get(pk=invite.couple_id)
        if couple.ended_at is not None:
            raise CoupleError("couple_ended")
        members = list(
            couple.memberships.filter(left_at__isnull=True).values_list("user_id", flat=True)
        )
        if user.pk in members:
            raise CoupleError("own_invite")
        if len(members) >= Couple.MAX_MEMBERS:
            raise CoupleError("couple_full")
        if Membership.objects.filter(user=user, left_at__isnull=True).exists():
            raise CoupleError("already_in_couple")
        Invite.objects.filter(pk=invite.pk).update(accepted_at=now, accepted_by=user)
        try:
            with transaction.atomic():
                Membership.objects.create(couple=couple, user=user, joined_at=now)
        except IntegrityError:
            raise CoupleError("already_in_couple") from None
    return couple


def couple_leave(*, user: User, now: datetime | None = None) -> None:
    """Leave the couple. The couple ends for both: each keeps what they wrote, and neither sees the
    other's entries any more. Pending invites stop working."""
    now = now or timezone.now()
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(user=user, left_at__isnull=True)
            .select_related("couple")
            .first()
        )
        if membership is None:
            raise CoupleError("not_in_couple")
        couple = membership.couple
        Couple.objects.filter(pk=couple.pk).update(ended_at=now, ended_by=user)
        Membership.objects.filter(couple=couple, left_at__isnull=True).update(left_at=now)
        Invite.objects.filter(
            couple=couple, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)


def profile_update(
    *,
    user: User,
    display_name: str,
    time_zone: str,
    clock: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> User:
    """A new time zone moves the person's pending reminders with it, in the same transaction.
    ``clock`` None leaves the clock format as it was; ``language`` (the browser's, for a blank
    clock) None leaves the one recorded before."""
    if clock is not None and clock not in Clock.values:
        raise CoupleError("bad_clock")
    moved = user.time_zone != time_zone
    user.display_name = display_name.strip()
    user.time_zone = time_zone
    if clock is not None:
        user.clock = clock
    if language:
        user.language = language
    user.full_clean(exclude=["password", "email"])
    with transaction.atomic():
        user.save(update_fields=["display_name", "time_zone", "clock", "language"])
        if moved:
            time_zone_changed.send(sender=User, user=user, now=now or timezone.now())
    return user


def whats_here_set(*, user: User, hidden: bool) -> None:
    """Put the "What's here" card on Today away, or bring it back."""
    User.objects.filter(pk=user.pk).update(whats_here_hidden=hidden)
    user.whats_here_hidden = hidden


# --- safety ----------------------------------------------------------------------------------------

# The private safety screen. Each answer is yes / no / "I'd rather not say"; only the outcome is
# kept. The questions themselves live in repair/couples/forms.py.
SAFETY_QUESTIONS = (
    "afraid",
    "hurt",
    "strangled",
    "sexual",
    "insults",
    "control",
    "pressure",
)
# "I'd rather not say" to one of these is met as a possible concern: gently, with the same choice.
FEAR_OR_HARM = ("afraid", "hurt", "strangled")


def safety_check_record(
    *,
    user: User,
    answers: dict[str, str],
    before: str = "",
    now: datetime | None = None,
) -> SafetyCheck:
    """Record the outcome of the screen (never the answers). A concern starts the person on their
    own; they can choose couple work anyway on the next page. Nobody is told, nothing is locked.
    For a paired person "on their own" is real: couple work steps aside for them, and their
    partner sees only that they're taking some time (``selectors.partner_pause``).

    ``before``: the moment it was offered again for (``SafetyCheckOffer.Moment``), now settled."""
    now = now or timezone.now()
    said_yes = any(answers.get(question) == "yes" for question in SAFETY_QUESTIONS)
    held_back = any(answers.get(question) == "unsaid" for question in FEAR_OR_HARM)
    concern = said_yes or held_back
    with transaction.atomic():
        check, _ = SafetyCheck.objects.update_or_create(
            user=user,
            defaults={
                "concern": concern,
                "possible": concern and not said_yes,
                "choice": SafetyCheck.Choice.ALONE if concern else SafetyCheck.Choice.TOGETHER,
                "completed_at": now,
            },
        )
        if before:
            safety_offer_settle(user=user, moment=before, now=now)
    return check


def safety_offer_settle(*, user: User, moment: str, now: datetime | None = None) -> None:
    """The check offered again at ``moment`` was answered or set aside ("not now"): it is not
    offered for that moment again (for "low-safety", not for a while). Unknown moments are ignored."""
    if moment not in SafetyCheckOffer.Moment.values:
        return
    SafetyCheckOffer.objects.update_or_create(
        user=user, moment=moment, defaults={"settled_at": now or timezone.now()}
    )


def safety_choice_set(*, user: User, choice: str) -> SafetyCheck:
    if choice not in SafetyCheck.Choice.values:
        raise CoupleError("bad_choice")
    check, _ = SafetyCheck.objects.update_or_create(user=user, defaults={"choice": choice})
    return check


# --- pause -------------------------------------------------------------------------------------------


# Without a form key, the same pause asked for again within this long is the one already sent.
PAUSE_REPEAT_WINDOW = timedelta(minutes=2)
# "For a while": no time to come back; it runs until the person says they're back.
PAUSE_OPEN_ENDED = 0


def _pauses_running(*, user: User, now: datetime) -> QuerySet[PauseNotice]:
    return PauseNotice.objects.filter(user=user, ended_at__isnull=True).filter(
        Q(back_at__isnull=True) | Q(back_at__gt=now)
    )


def pause_end(*, user: User, cancel: bool = False, now: datetime | None = None) -> int:
    """ "I'm back" (or, ``cancel``, "I didn't mean to send that"): the pause ends now, and the
    partner's notice goes with it. Only the person who paused can end it. Returns how many ended
    (0 when none was running: a second tap, or it had already reached its time)."""
    now = now or timezone.now()
    return _pauses_running(user=user, now=now).update(ended_at=now, cancelled=cancel)


def pause_notify(
    *, user: User, minutes: int, key: UUID | None = None, now: datetime | None = None
) -> PauseNotice:
    """ "I need a pause; I'll come back": tells the partner only that, and when (``minutes`` 0:
    "for a while", until they say they're back). No details. Sent twice from one page (``key``,
    see ``repair.once``) it is one pause; a new pause replaces one still running."""
    if minutes != PAUSE_OPEN_ENDED and not 5 <= minutes <= 24 * 60:
        raise CoupleError("bad_minutes")
    membership = Membership.objects.filter(user=user, left_at__isnull=True).first()
    if membership is None:
        raise CoupleError("not_in_couple")
    now = now or timezone.now()
    with transaction.atomic():
        claim = once.claim(user=user, purpose="repair.pause", key=key, now=now)
        if claim.repeat:
            first = claim.first_of(PauseNotice.objects.filter(user=user))
            if first is not None:
                return first
        elif claim.submission_id is None:
            # No key (an old tab): the couple's row lock makes two such submits take turns.
            Couple.objects.select_for_update().filter(pk=membership.couple_id).first()
            latest = (
                PauseNotice.objects.filter(
                    couple_id=membership.couple_id,
                    user=user,
                    created_at__gte=now - PAUSE_REPEAT_WINDOW,
                )
                .order_by("-created_at", "-pk")
                .first()
            )
            wanted = timedelta(minutes=minutes) if minutes else None
            if latest is not None and latest.length() == wanted:
                return latest
        _pauses_running(user=user, now=now).update(ended_at=now)
        notice = PauseNotice.objects.create(
            couple_id=membership.couple_id,
            user=user,
            back_at=now + timedelta(minutes=minutes) if minutes else None,
            created_at=now,
        )
        claim.record(notice.pk)
    return notice


# --- when it hits ------------------------------------------------------------------------------------


def hard_moment_note(
    *, user: User, note: str, key: UUID | None = None, now: datetime | None = None
) -> HardMoment:
    """Keep a private note about a hard moment. Only its writer ever reads it (their page, their
    download); it is encrypted at rest. Sent twice from one page (``key``) it is one note."""
    note = note.strip()
    if not note:
        raise CoupleError("empty")
    if len(note) > HardMoment.NOTE_MAX:
        raise CoupleError("too_long")
    now = now or timezone.now()
    membership = Membership.objects.filter(user=user, left_at__isnull=True).first()
    with transaction.atomic():
        claim = once.claim(user=user, purpose="repair.hard_moment", key=key, now=now)
        first = claim.first_of(HardMoment.objects.filter(user=user))
        if first is not None:
            return first
        moment = HardMoment.objects.create(
            user=user,
            couple_id=membership.couple_id if membership else None,
            note=note,
            created_at=now,
        )
        claim.record(moment.pk)
    return moment


def hard_moment_signal(*, user: User, now: datetime | None = None) -> HardMoment:
    """A wordless signal to the partner: their Today says only that this is a hard moment, for
    ``HardMoment.SIGNAL_SHOWN_FOR``. A signal still showing is that signal (a double tap sends one)."""
    now = now or timezone.now()
    with transaction.atomic():
        membership = (
            Membership.objects.filter(user=user, left_at__isnull=True)
            .select_for_update(of=("couple",))
            .select_related("couple")
            .first()
        )
        if membership is None:
            raise CoupleError("not_in_couple")
        if membership.couple.memberships.filter(left_at__isnull=True).count() < 2:
            raise CoupleError("not_paired")
        showing = HardMoment.objects.filter(
            user=user,
            couple_id=membership.couple_id,
            signal=True,
            signal_ended_at__isnull=True,
            created_at__gt=now - HardMoment.SIGNAL_SHOWN_FOR,
        ).first()
        if showing is not None:
            return showing
        return HardMoment.objects.create(
            user=user, couple_id=membership.couple_id, signal=True, created_at=now
        )


def hard_moment_signal_end(*, user: User, now: datetime | None = None) -> None:
    """Take a signal down before its time ("it has passed")."""
    HardMoment.objects.filter(user=user, signal=True, signal_ended_at__isnull=True).update(
        signal_ended_at=now or timezone.now()
    )
