"""Rituals in a person's download (repair/home/privacy.py asks for this section by name): the rituals they
are in and their own marks, from every shared space they have been in; the gratitude notes they sent,
and those sent to them that they may see now; their reminder settings. Never the partner's marks."""

from __future__ import annotations

from datetime import time

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from repair.couples.models import Membership, User
from repair.couples.selectors import CoupleView
from repair.lib.export import ExportSection
from rituals import reminders
from rituals.library import BY_SLUG
from rituals.models import GratitudeNote, OccurrenceMark, ScheduledRitual
from rituals.selectors import schedule_text


def _hhmm(value: time | str | None) -> str | None:
    # An unsaved settings row still holds its default as text ("20:30").
    if value is None:
        return None
    return value.strftime("%H:%M") if isinstance(value, time) else str(value)[:5]


def _ritual_title(slug: str) -> str:
    found = BY_SLUG.get(slug)
    return str(found.title) if found else slug


def export_section(*, user: User, couple: CoupleView | None) -> ExportSection:
    couple_ids = Membership.objects.filter(user=user).values("couple_id")
    current_id = couple.couple.pk if couple else None
    rituals = (
        ScheduledRitual.objects.filter(couple_id__in=couple_ids)
        .filter(Q(person__isnull=True) | Q(person=user))
        .order_by("created_at", "pk")
    )
    received: list[GratitudeNote] = []
    if couple is not None and couple.partner is not None:
        received = list(
            GratitudeNote.objects.filter(couple=couple.couple, sender=couple.partner).order_by(
                "created_at", "pk"
            )
        )
    prefs = reminders.settings_for(user=user)
    return ExportSection(
        key="rituals",
        title=_("Rituals and notes"),
        template="rituals/export_section.html",
        data={
            "rituals": [
                {
                    "ritual": r.ritual,
                    "title": _ritual_title(r.ritual),
                    "schedule": schedule_text(r, clock=user.time_clock),
                    "for": "both" if r.person_id is None else "me",
                    "current_space": r.couple_id == current_id,
                    "created_at": r.created_at,
                    # A suggestion for both: "waiting" or "not_now" until accepted ("").
                    "suggestion": r.proposal,
                    "accepted_at": r.accepted_at,
                    "paused_at": r.paused_at,
                    "stopped_at": r.stopped_at,
                }
                for r in rituals
            ],
            "my_marks": [
                {
                    "ritual": m.ritual.ritual,
                    "title": _ritual_title(m.ritual.ritual),
                    "date": m.date,
                    "status": m.status,
                    "marked_at": m.marked_at,
                }
                for m in OccurrenceMark.objects.filter(user=user)
                .select_related("ritual")
                .order_by("date", "pk")
            ],
            "notes_sent": [
                {"text": n.text, "sent_at": n.created_at}
                for n in GratitudeNote.objects.filter(sender=user).order_by("created_at", "pk")
            ],
            "notes_received": [{"text": n.text, "sent_at": n.created_at} for n in received],
            "reminder_settings": {
                "checkin_enabled": prefs.checkin_enabled,
                "checkin_time": _hhmm(prefs.checkin_time),
                "rituals_enabled": prefs.rituals_enabled,
                "notes_email_enabled": prefs.notes_email_enabled,
                "quiet_start": _hhmm(prefs.quiet_start),
                "quiet_end": _hhmm(prefs.quiet_end),
                "paused_until": prefs.paused_until,
            },
        },
    )


def account_delete_prepare(*, user: User, partners: dict[int, int]) -> None:
    """A ritual this person scheduled for both (or for their partner) stays the partner's, with the
    partner's own marks on it: hand it over instead of letting it go with this person's row."""
    for couple_id, partner_id in partners.items():
        ScheduledRitual.objects.filter(couple_id=couple_id, created_by=user).filter(
            Q(person__isnull=True) | Q(person_id=partner_id)
        ).update(created_by_id=partner_id)
