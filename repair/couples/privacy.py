"""The couple core's part of a person's own data: their account in the download, and the rows of
the core that go when they delete their account (``repair/home/privacy.py`` runs the whole of it)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from repair.couples.models import (
    Couple,
    HardMoment,
    Invite,
    Membership,
    PauseNotice,
    SafetyCheck,
    User,
)
from repair.couples.selectors import CoupleView
from repair.lib.export import ExportSection


def export_section(*, user: User, couple: CoupleView | None) -> ExportSection:
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
            "clock": user.clock,
            "language": user.language,
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
                {
                    "created_at": p.created_at,
                    "back_at": p.back_at,
                    "ended_at": p.ended_at,
                    "cancelled": p.cancelled,
                }
                for p in PauseNotice.objects.filter(user=user).order_by("created_at")
            ],
            # Their own notes from "When it hits": theirs alone, as they wrote them.
            "hard_moments": [
                {"created_at": m.created_at, "note": m.note, "signal": m.signal}
                for m in HardMoment.objects.filter(user=user).order_by("created_at")
            ],
        },
    )


def former_partners(*, user: User) -> dict[int, int]:
    """For each space the person has been in, the other person's id (if there was one)."""
    couple_ids = Membership.objects.filter(user=user).values("couple_id")
    return dict(
        Membership.objects.filter(couple_id__in=couple_ids)
        .exclude(user=user)
        .values_list("couple_id", "user_id")
    )


def account_rows_delete(*, user: User) -> None:
    """Inside the caller's transaction, after every app has handed over what stays the partner's:
    clear the person's address from invites that stay, drop the admin's log of their row, delete
    them (CASCADE takes what is theirs alone), and delete the spaces nobody is left in."""
    # Their address in an invite someone else made for them: personal data in a row that stays.
    addresses = {user.email.lower()} | {
        a.lower() for a in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    }
    address_match = Q()
    for address in addresses:
        address_match |= Q(email__iexact=address)
    Invite.objects.filter(Q(accepted_by=user) | address_match).exclude(email="").update(email="")
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).delete()
    couple_ids = list(Membership.objects.filter(user=user).values_list("couple_id", flat=True))
    user.delete()
    Couple.objects.filter(pk__in=couple_ids).exclude(
        Exists(Membership.objects.filter(couple=OuterRef("pk")))
    ).delete()


def sessions_end(*, user_id: int) -> int:
    """End every stored session signed in as this person. Sessions are stored by key, not by person,
    so this reads each one: fine at this app's size (and only on account deletion)."""
    store_class = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    if not hasattr(store_class, "get_model_class"):
        return 0  # cookie or cache-only sessions: nothing to look through
    ended = 0
    for session in store_class.get_model_class().objects.iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user_id):
            store_class(session_key=session.session_key).delete()
            ended += 1
    return ended
