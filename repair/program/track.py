"""A person's own track: which one they are offered, what they wrote in it, saving it, and their
download of it. Kept apart from the couple's program because nothing here is ever the couple's:
every read and write is by the signed-in person's own id, never a couple's, so no path leads from
the partner to these rows.

Which track: the roles both partners agreed (``roles_for``). The partner who was hurt gets the
hurt track; the partner who caused the hurt, the involved track; where both hurt each other, each
person gets both (they are hurt in one direction and involved in the other, as the repair track
runs once each way); under "we'd rather not say", or before roles are agreed, the neutral track.
Every person always has a track, so its mere presence on a page says nothing about the roles.

What the partner can infer: nothing. Their pages never read these rows; the track pages answer
404 for a track exercise that is neither in the person's own tracks nor written in by them, the
same whatever the partner has done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repair.couples.models import User
from repair.couples.selectors import CoupleView
from repair.lib.export import Data, ExportSection
from repair.program.models import TrackEntry
from repair.program.selectors import (
    ROLE_HURT,
    ROLE_INVOLVED,
    ROLE_NEUTRAL,
    Roles,
    roles_for,
)
from repair.program.services import TEXT_LIMIT, ProgramActionError
from repair.program.track_content import Track, TrackExercise, tracks

# --- reads --------------------------------------------------------------------------------------


def tracks_for_roles(*, roles: Roles, user_id: int) -> tuple[Track, ...]:
    """The person's own tracks under these roles (no query: the caller has the roles)."""
    shipped = tracks()
    if len(roles.directions) > 1:
        return (shipped.for_role(ROLE_HURT), shipped.for_role(ROLE_INVOLVED))
    role = roles.role_of(user_id)
    return (shipped.for_role(role if role in (ROLE_HURT, ROLE_INVOLVED) else ROLE_NEUTRAL),)


@dataclass(frozen=True)
class TrackItem:
    exercise: TrackExercise
    written_at: datetime | None


@dataclass(frozen=True)
class TrackSection:
    track: Track
    items: tuple[TrackItem, ...]


@dataclass(frozen=True)
class TrackPage:
    sections: tuple[TrackSection, ...]
    # Written in an exercise of a track that is no longer theirs (the roles changed since):
    # still theirs to read and change.
    earlier: tuple[TrackItem, ...]


def track_page(*, couple: CoupleView) -> TrackPage:
    """The person's tracks and when they last wrote in each exercise: two queries, however much
    they have written."""
    mine = tracks_for_roles(roles=roles_for(couple=couple), user_id=couple.me.pk)
    written = dict(TrackEntry.objects.filter(user=couple.me).values_list("exercise", "updated_at"))
    offered = {e.slug for t in mine for e in t.exercises}
    return TrackPage(
        sections=tuple(
            TrackSection(
                track=track,
                items=tuple(TrackItem(e, written.get(e.slug)) for e in track.exercises),
            )
            for track in mine
        ),
        earlier=tuple(
            TrackItem(e, written[e.slug])
            for e in tracks().exercises
            if e.slug in written and e.slug not in offered
        ),
    )


def track_exercise_for(*, couple: CoupleView, slug: str) -> TrackExercise | None:
    """The exercise, if it is in one of the person's own tracks or they have written in it;
    otherwise None (the page is a 404)."""
    exercise = tracks().exercise(slug)
    if exercise is None:
        return None
    mine = tracks_for_roles(roles=roles_for(couple=couple), user_id=couple.me.pk)
    if any(exercise in t.exercises for t in mine):
        return exercise
    written = TrackEntry.objects.filter(user=couple.me, exercise=slug).exists()
    return exercise if written else None


def track_entry_mine(*, user: User, exercise: TrackExercise) -> TrackEntry | None:
    return TrackEntry.objects.filter(user=user, exercise=exercise.slug).first()


# --- writes -------------------------------------------------------------------------------------


def track_entry_save(
    *, user: User, exercise: TrackExercise, text: str, now: datetime | None = None
) -> TrackEntry:
    """Keep what the person wrote (replacing what was there). Only ever their own row."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ProgramActionError("empty")
    if len(text) > TEXT_LIMIT:
        raise ProgramActionError("too_long")
    with transaction.atomic():
        entry, created = TrackEntry.objects.select_for_update().get_or_create(
            user=user,
            exercise=exercise.slug,
            defaults={"text": text, "created_at": now, "updated_at": now},
        )
        if not created and entry.text != text:
            entry.text = text
            entry.updated_at = now
            entry.save(update_fields=["text", "updated_at"])
    return entry


def track_entry_delete(*, user: User, exercise: TrackExercise) -> None:
    TrackEntry.objects.filter(user=user, exercise=exercise.slug).delete()


# --- the person's download ----------------------------------------------------------------------


def export_section(*, user: User, couple: CoupleView | None) -> ExportSection:
    """Everything the person wrote in their own tracks. Only ever their own rows: a partner's
    download has no way to reach them (the query is by this person's id alone)."""
    data: Data = {
        "entries": [
            {
                "exercise": entry.exercise,
                "title": found.title if (found := tracks().exercise(entry.exercise)) else "",
                "prompt": found.prompt if found else "",
                "text": entry.text,
                "created_at": entry.created_at,
                "updated_at": entry.updated_at,
            }
            for entry in TrackEntry.objects.filter(user=user).order_by("created_at", "pk")
        ]
    }
    return ExportSection(
        key="own_track",
        title=_("Your own track"),
        template="repair/export/track.html",
        data=data,
    )
