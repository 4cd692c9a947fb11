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

Each app keeps its own part in ``<app>/privacy.py`` (``export_section(*, user, couple)``, and
``account_delete_prepare(*, user, partners)`` where a joint row of theirs points at the person); this
module, in the composition package, names them all, in the order the download shows them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from checkins import privacy as checkin_privacy
from repair.couples import privacy as couple_privacy
from repair.couples import services
from repair.couples.models import Membership, User
from repair.couples.selectors import couple_for_user
from repair.lib.export import EXPORT_FORMAT, Data, ExportSection
from repair.program import privacy as program_privacy
from repair.program import track as program_track
from repair.therapists import privacy as therapist_privacy
from rituals import privacy as ritual_privacy


def export_sections(*, user: User) -> list[ExportSection]:
    couple = couple_for_user(user=user)
    return [
        couple_privacy.export_section(user=user, couple=couple),
        program_privacy.export_section(user=user, couple=couple),
        program_track.export_section(user=user, couple=couple),
        checkin_privacy.export_section(user=user, couple=couple),
        ritual_privacy.export_section(user=user, couple=couple),
        therapist_privacy.export_section(user=user, couple=couple),
    ]


def export_for(*, user: User, now: datetime | None = None) -> Data:
    """Everything ``user`` may take with them, as plain data for JSON (dates stay date objects; the
    view's encoder writes them in ISO 8601)."""
    data: Data = {"format": EXPORT_FORMAT, "exported_at": now or timezone.now()}
    for section in export_sections(user=user):
        data[section.key] = section.data
    return data


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
        partners = couple_privacy.former_partners(user=user)
        program_privacy.account_delete_prepare(user=user, partners=partners)
        ritual_privacy.account_delete_prepare(user=user, partners=partners)
        therapist_privacy.account_delete_prepare(user=user, partners=partners, now=now)
        couple_privacy.account_rows_delete(user=user)
    couple_privacy.sessions_end(user_id=user_id)
