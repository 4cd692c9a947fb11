"""Writes for the therapist window. Keyword-only, ``now=`` for tests; a ``TherapistError`` carries
a code the views turn into a kind message.

How "chosen together" works: each partner says yes privately, with the kinds they are willing to
show. Access opens when both have said yes (and the therapist accepted), and the therapist sees
only the kinds both chose. So widening needs both; either narrows alone, at once (their own set
shrinks, and so does the common one); either ends it alone, at once."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from checkins.models import CheckIn, Visibility
from repair.couples import emails
from repair.couples.models import Membership, User
from repair.couples.selectors import CoupleView
from repair.lib.tokens import token_hash, token_new
from repair.program.content import program
from repair.program.models import AgreementVersion, Commitment
from repair.therapists.models import (
    ItemKind,
    Scope,
    SuggestionKind,
    TherapistAccess,
    TherapistConsent,
    TherapistItem,
    TherapistSuggestion,
    TherapistView,
)
from rituals.library import BY_SLUG


class TherapistError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def invite_url(*, token: str) -> str:
    return settings.SITE_URL + reverse("therapists:invite", kwargs={"token": token})


def therapist_invite(
    *, couple: CoupleView, email: str, now: datetime | None = None
) -> tuple[TherapistAccess, str]:
    """A new invitation for the couple's therapist, by either partner. Nothing opens yet: each
    partner still says yes on their own. Returns the access and the raw token (for the email)."""
    now = now or timezone.now()
    if not couple.is_paired:
        raise TherapistError("not_paired")
    email = email.strip().lower()
    if email in {couple.me.email.lower(), couple.partner.email.lower() if couple.partner else ""}:
        raise TherapistError("own_email")
    token = token_new()
    try:
        with transaction.atomic():
            access = TherapistAccess.objects.create(
                couple=couple.couple,
                email=email,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + settings.INVITE_TTL,
            )
    except IntegrityError:
        raise TherapistError("already_invited") from None
    return access, token


def therapist_invite_email(*, access: TherapistAccess, token: str) -> bool:
    """The invitation email: a fixed subject, and a body with the link and nothing any partner
    wrote (not even a name: it crosses mail servers that are nobody's business)."""
    return emails.send_templated(
        to=access.email,
        subject=_("An invitation from a couple you work with"),
        template="therapist_invite",
        context={"url": invite_url(token=token), "days": settings.INVITE_TTL.days},
    )


def therapist_invite_accept(
    *, user: User, token_sha256: str, now: datetime | None = None
) -> TherapistAccess:
    """The therapist takes the invitation with their account, which becomes a therapist account:
    one with no couple, ever. An account already in a shared space cannot."""
    now = now or timezone.now()
    with transaction.atomic():
        access = TherapistAccess.objects.select_for_update().filter(token_hash=token_sha256).first()
        if access is None:
            raise TherapistError("not_found")
        if access.accepted_at is not None:
            raise TherapistError("accepted" if access.therapist_id != user.pk else "yours")
        if access.ended_at is not None:
            raise TherapistError("ended")
        if access.expires_at <= now:
            raise TherapistError("expired")
        locked = User.objects.select_for_update().get(pk=user.pk)
        if Membership.objects.filter(user=locked, left_at__isnull=True).exists():
            raise TherapistError("in_couple")
        if Membership.objects.filter(couple_id=access.couple_id, user=locked).exists():
            raise TherapistError("in_couple")
        User.objects.filter(pk=user.pk).update(is_therapist=True)
        user.is_therapist = True
        TherapistAccess.objects.filter(pk=access.pk).update(therapist=user, accepted_at=now)
        access.therapist = user
        access.accepted_at = now
    return access


def _current(couple: CoupleView) -> TherapistAccess:
    access = TherapistAccess.objects.filter(couple=couple.couple, ended_at__isnull=True).first()
    if access is None:
        raise TherapistError("none")
    return access


def _clean_scopes(scopes: list[str]) -> list[str]:
    return [scope for scope in Scope.values if scope in set(scopes)]


def therapist_agree(
    *, couple: CoupleView, scopes: list[str], now: datetime | None = None
) -> TherapistConsent:
    """This partner's own yes, with the kinds they are willing to show; said again, it changes
    their kinds (narrowing takes effect at once; widening only where the other chose it too)."""
    now = now or timezone.now()
    if not couple.is_paired:
        raise TherapistError("not_paired")
    chosen = _clean_scopes(scopes)
    if not chosen:
        raise TherapistError("no_scopes")
    with transaction.atomic():
        access = _current(couple)
        consent, _created = TherapistConsent.objects.update_or_create(
            access=access,
            user=couple.me,
            defaults={"scopes": chosen},
            create_defaults={"scopes": chosen, "agreed_at": now},
        )
    return consent


def therapist_end(*, couple: CoupleView, now: datetime | None = None) -> int:
    """End the therapist's access (or the invitation) now, by either partner alone. Who ended it
    is not stored. Returns how many ended (0: nothing was open, a second tap)."""
    return TherapistAccess.objects.filter(couple=couple.couple, ended_at__isnull=True).update(
        ended_at=now or timezone.now()
    )


def therapist_item_set(
    *,
    couple: CoupleView,
    kind: str,
    key: str,
    withheld: bool | None = None,
    shown: bool | None = None,
    now: datetime | None = None,
) -> None:
    """One partner's choice about one item of theirs: hold it back from the therapist (or show it
    again), or show a check-in's notes to the therapist too. Only their own check-ins and
    commitment notes, and the couple's agreements; anything else is not found."""
    if kind not in ItemKind.values:
        raise TherapistError("not_found")
    if kind in (ItemKind.CHECKIN, ItemKind.NOTES):
        ok = (
            key.isdigit()
            and CheckIn.objects.filter(
                pk=int(key), user=couple.me, couple=couple.couple, visibility=Visibility.SHARED
            ).exists()
        )
    elif kind == ItemKind.COMMITMENT:
        ok = (
            key.isdigit()
            and Commitment.objects.filter(
                pk=int(key), user=couple.me, conversation__couple=couple.couple
            ).exists()
        )
    else:
        exercise, _sep, direction = key.partition(":")
        ok = (
            direction.isdigit()
            and AgreementVersion.objects.filter(
                couple=couple.couple, exercise=exercise, direction=int(direction)
            ).exists()
        )
    if not ok:
        raise TherapistError("not_found")
    defaults: dict[str, object] = {"updated_at": now or timezone.now()}
    if withheld is not None:
        defaults["withheld"] = withheld
    if shown is not None:
        defaults["shown"] = shown
    TherapistItem.objects.update_or_create(
        user=couple.me, couple=couple.couple, kind=kind, key=key, defaults=defaults
    )


def therapist_view_log(*, access: TherapistAccess, kind: str, now: datetime | None = None) -> None:
    TherapistView.objects.create(access=access, kind=kind, viewed_at=now or timezone.now())


def suggestion_choices() -> list[tuple[str, str]]:
    """What a therapist may suggest: an exercise of the program or a ritual of the library, as
    ``kind:slug`` values with their titles."""
    found = [(f"{SuggestionKind.EXERCISE}:{e.slug}", e.title) for e in program().exercises]
    found += [(f"{SuggestionKind.RITUAL}:{slug}", str(r.title)) for slug, r in BY_SLUG.items()]
    return found


def therapist_suggest(
    *, access: TherapistAccess, value: str, now: datetime | None = None
) -> TherapistSuggestion:
    if value not in dict(suggestion_choices()):
        raise TherapistError("bad_suggestion")
    kind, _sep, slug = value.partition(":")
    suggestion, _created = TherapistSuggestion.objects.update_or_create(
        access=access, defaults={"kind": kind, "slug": slug, "created_at": now or timezone.now()}
    )
    return suggestion
