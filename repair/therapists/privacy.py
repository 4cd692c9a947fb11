"""The therapist window in a person's download (repair/home/privacy.py asks for this section by
name). A partner: each therapist invitation of the spaces they have been in (the address, when it
was sent, accepted and ended), their own yes and the kinds they chose, their own choices about single
items, and the log of what the therapist opened. Never the other partner's yes or kinds. A therapist:
when they accepted each invitation and when it ended, and what they suggested; nothing of the
couple."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from repair.couples.models import Membership, User
from repair.couples.selectors import CoupleView
from repair.lib.export import ExportSection
from repair.therapists.models import (
    Scope,
    TherapistAccess,
    TherapistConsent,
    TherapistItem,
    TherapistSuggestion,
    TherapistView,
)


def export_section(*, user: User, couple: CoupleView | None) -> ExportSection:
    couple_ids = Membership.objects.filter(user=user).values("couple_id")
    accesses = list(
        TherapistAccess.objects.filter(couple_id__in=couple_ids).order_by("created_at", "pk")
    )
    mine = {c.access_id: c for c in TherapistConsent.objects.filter(user=user, access__in=accesses)}
    views: dict[int, list[dict[str, object]]] = {}
    for view in TherapistView.objects.filter(access__in=accesses).order_by("viewed_at"):
        views.setdefault(view.access_id, []).append({"kind": view.kind, "at": view.viewed_at})
    invitations: list[dict[str, Any]] = [
        {
            "therapist_email": access.email,
            "invited_at": access.created_at,
            "accepted_at": access.accepted_at,
            "ended_at": access.ended_at,
            "my_yes_at": mine[access.pk].agreed_at if access.pk in mine else None,
            "my_kinds": mine[access.pk].scopes if access.pk in mine else [],
            "opened": views.get(access.pk, []),
        }
        for access in accesses
    ]
    items = [
        {"kind": i.kind, "key": i.key, "held_back": i.withheld, "notes_shown": i.shown}
        for i in TherapistItem.objects.filter(user=user).order_by("updated_at", "pk")
    ]
    as_therapist = [
        {"accepted_at": a.accepted_at, "ended_at": a.ended_at}
        for a in TherapistAccess.objects.filter(therapist=user).order_by("accepted_at", "pk")
    ]
    suggestions = [
        {"kind": s.kind, "slug": s.slug, "at": s.created_at}
        for s in TherapistSuggestion.objects.filter(access__therapist=user).order_by("created_at")
    ]
    labels = dict(Scope.choices)
    return ExportSection(
        key="therapist",
        title=_("Your therapist"),
        template="therapists/export_section.html",
        data={
            "invitations": invitations,
            "my_item_choices": items,
            "as_therapist": as_therapist,
            "suggestions_made": suggestions,
        },
        readable={
            "invitations": [
                {**row, "kind_labels": [str(labels.get(kind, kind)) for kind in row["my_kinds"]]}
                for row in invitations
            ]
        },
    )


def account_delete_prepare(*, user: User, partners: dict[int, int], now: datetime) -> None:
    """A therapist deleting their account ends every access they hold, at once, so each couple sees
    it ended (the couple's log stays theirs: the rows only lose the therapist)."""
    TherapistAccess.objects.filter(therapist=user, ended_at__isnull=True).update(ended_at=now)
