"""The access matrix: every URL of ours, by name, with what each role gets for GET and for POST.
tests/test_access.py asserts it; tests/test_pages_fresh.py and tests/test_hostile_input.py walk the
same URLs. A helper module, not a test module: test modules import it, never each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from django.urls import URLPattern, URLResolver, get_resolver

from checkins.models import CheckIn
from repair.couples.models import Couple, Invite
from rituals.models import ScheduledRitual

ROLES = ("anonymous", "partner_a", "partner_b", "outsider", "staff")
LOGIN = "login"  # a 302 to the sign-in page
TOKEN = "a-pending-token-for-the-couple-of-avery-and-blake"


@dataclass(frozen=True)
class World:
    couple: Couple
    invite: Invite
    shared_checkin: CheckIn
    reflection_slug: str


@dataclass(frozen=True)
class Row:
    # Expected outcome per role, for GET and for POST: an HTTP status or LOGIN.
    get: dict[str, int | str]
    post: dict[str, int | str]
    kwargs: Callable[[World], dict[str, object]] = lambda world: {}


def same(value: int | str, **overrides: int | str) -> dict[str, int | str]:
    return {role: overrides.get(role, value) for role in ROLES}


# Pages of a couple: anonymous people sign in; everyone else sees their own couple's page (the
# outsider their own couple, staff with no couple is sent to the start page).
COUPLE_PAGE_GET = same(200, anonymous=LOGIN, staff=302)
NOT_ALLOWED = same(405)


def ritual_of(world: World) -> dict[str, object]:
    """A weekly ritual of Avery and Blake's, for both of them (made on first use)."""
    ritual, _ = ScheduledRitual.objects.get_or_create(
        couple=world.couple,
        ritual="weekly-touchpoint",
        defaults={
            "cadence": "weekly",
            "weekday": 0,
            "local_time": time(19, 0),
            "created_by": world.invite.created_by,
        },
    )
    return {"ritual_id": ritual.pk}


MATRIX: dict[str, Row] = {
    "today": Row(get=COUPLE_PAGE_GET, post=NOT_ALLOWED),
    # Puts one's own "What's here" card away: back to Today (staff with no couple: the start).
    "whats_here": Row(get=NOT_ALLOWED, post=same(302, anonymous=LOGIN)),
    "program": Row(get=COUPLE_PAGE_GET, post=NOT_ALLOWED),
    # Whose hurt the work is about: an empty POST re-shows the page with a kind message.
    "program_roles": Row(get=COUPLE_PAGE_GET, post=same(200, anonymous=LOGIN, staff=302)),
    # A stage: POST is "I'm ready" (refused kindly and redirected while the part isn't done).
    "program_stage": Row(
        get=COUPLE_PAGE_GET,
        post=same(302, anonymous=LOGIN),
        kwargs=lambda world: {"stage_slug": "safety"},
    ),
    # An exercise of the couple's own: an empty POST re-shows the page with a kind message.
    "program_exercise": Row(
        get=COUPLE_PAGE_GET,
        post=same(200, anonymous=LOGIN, staff=302),
        kwargs=lambda world: {"stage_slug": "safety", "exercise_slug": world.reflection_slug},
    ),
    # Each person's own track: their own, whatever the partner has; nothing to POST to the list.
    "program_track": Row(get=COUPLE_PAGE_GET, post=NOT_ALLOWED),
    # An exercise of one's own track (the neutral one: no roles agreed here); an empty POST
    # re-shows the page with a kind message.
    "program_track_exercise": Row(
        get=COUPLE_PAGE_GET,
        post=same(200, anonymous=LOGIN, staff=302),
        kwargs=lambda world: {"exercise_slug": "track-neutral-how-you-are"},
    ),
    # Check-ins work with or without a couple (private ones need nobody). An empty POST is a
    # valid all-skipped check-in, shared with nobody: sharing is ticked question by question.
    "checkins:index": Row(get=same(200, anonymous=LOGIN), post=same(302, anonymous=LOGIN)),
    "checkins:history": Row(get=same(200, anonymous=LOGIN), post=NOT_ALLOWED),
    "checkins:export": Row(
        get=same(200, anonymous=LOGIN), post=NOT_ALLOWED, kwargs=lambda world: {"fmt": "json"}
    ),
    "checkins:preferences": Row(get=NOT_ALLOWED, post=same(302, anonymous=LOGIN)),
    # Only the partner may answer a shared check-in: its author, another couple and staff get 404.
    "checkins:acknowledge": Row(
        get=NOT_ALLOWED,
        post=same(404, anonymous=LOGIN, partner_b=302),
        kwargs=lambda world: {"checkin_id": world.shared_checkin.pk},
    ),
    "rituals:index": Row(get=COUPLE_PAGE_GET, post=NOT_ALLOWED),
    "rituals:library": Row(get=COUPLE_PAGE_GET, post=NOT_ALLOWED),
    "rituals:calendar": Row(get=COUPLE_PAGE_GET, post=NOT_ALLOWED),
    # Scheduling a library ritual: an empty POST re-shows the form with kind messages.
    "rituals:schedule": Row(
        get=COUPLE_PAGE_GET,
        post=same(200, anonymous=LOGIN, staff=302),
        kwargs=lambda world: {"slug": "weekly-touchpoint"},
    ),
    # A ritual is found only inside the signed-in person's own couple: 404 for anyone else's. An
    # empty POST changes (or marks) nothing and goes back.
    "rituals:ritual_change": Row(
        get=NOT_ALLOWED, post=same(302, anonymous=LOGIN, outsider=404), kwargs=ritual_of
    ),
    "rituals:mark": Row(
        get=NOT_ALLOWED, post=same(302, anonymous=LOGIN, outsider=404), kwargs=ritual_of
    ),
    # An empty note is refused kindly, on the page.
    "rituals:note_send": Row(get=NOT_ALLOWED, post=same(200, anonymous=LOGIN, staff=302)),
    # One person's own reminders, with or without a couple: an empty POST re-shows the form.
    "rituals:reminders": Row(get=same(200, anonymous=LOGIN), post=same(200, anonymous=LOGIN)),
    # Someone already in a couple is sent on to Today; staff (no couple) may start one.
    "start": Row(get=same(302, anonymous=LOGIN, staff=200), post=same(302, anonymous=LOGIN)),
    # A full couple has nothing to invite to: back to Today.
    "invite": Row(get=same(302, anonymous=LOGIN), post=same(302, anonymous=LOGIN)),
    # An invite is found only inside the signed-in person's own couple: 404 for anyone else's.
    "invite_revoke": Row(
        get=NOT_ALLOWED,
        post=same(302, anonymous=LOGIN, outsider=404),
        kwargs=lambda world: {"invite_id": world.invite.pk},
    ),
    # The link itself is the key: anyone holding it sees whose invite it is, nothing more.
    "invite_accept": Row(
        get=same(409, anonymous=200, staff=200),
        post=same(409, anonymous=302),
        kwargs=lambda world: {"token": TOKEN},
    ),
    # The invite this browser opened before signing in, found through the session only: with
    # nothing remembered, a kind 404 (signed out) or on to the start page (signed in).
    "invite_pending": Row(get=same(302, anonymous=404), post=same(302, anonymous=404)),
    # POST without the confirmation tick re-shows the form; nobody leaves in this test.
    "leave": Row(
        get=same(200, anonymous=LOGIN, staff=302), post=same(200, anonymous=LOGIN, staff=302)
    ),
    # An empty POST re-shows the form with kind errors.
    "settings": Row(get=same(200, anonymous=LOGIN), post=same(200, anonymous=LOGIN)),
    # One's own data, with or without a couple (the downloads are in tests/test_privacy.py).
    "export_data": Row(get=same(200, anonymous=LOGIN), post=NOT_ALLOWED),
    # An empty POST (no password) re-shows the form with a kind word; nobody is deleted here.
    "delete_account": Row(get=same(200, anonymous=LOGIN), post=same(200, anonymous=LOGIN)),
    # The goodbye page is only for the moment after deleting; anyone else is sent on.
    "account_deleted": Row(get=same(302), post=NOT_ALLOWED),
    # Works without signing in; the signed token is the key. A forged one is a kind 404 for all.
    "unsubscribe": Row(get=same(404), post=same(404), kwargs=lambda world: {"token": "forged"}),
    # Quick exit: a plain link for everyone; it signs out (if signed in) and goes to the neutral
    # page. GET only: a link is all it needs to be.
    "quick_exit": Row(get=same(302), post=NOT_ALLOWED),
    # Pause works for everyone; an empty POST (no return time chosen) just shows the page again.
    "pause": Row(get=same(200), post=same(200)),
    # "When it hits" works for everyone; a POST needs a person (for the note or the signal), and
    # one with nothing chosen shows the page again.
    "when_it_hits": Row(get=same(200), post=same(200, anonymous=LOGIN)),
    # The private safety screen: an empty POST means every question skipped, so no concern.
    "safety_check": Row(get=same(200, anonymous=LOGIN), post=same(302, anonymous=LOGIN)),
    # Without a choice, the support page shows again.
    "safety_support": Row(get=same(200, anonymous=LOGIN), post=same(200, anonymous=LOGIN)),
    "resources": Row(get=same(200), post=NOT_ALLOWED),
    # The reading library: the same for everyone, signed in or not (it holds nobody's words).
    "reads": Row(get=same(200), post=NOT_ALLOWED),
    "read": Row(
        get=same(200), post=NOT_ALLOWED, kwargs=lambda world: {"slug": "when-to-see-a-therapist"}
    ),
    # Development only (DEBUG with the local outbox): a 404 everywhere else, tests included.
    "outbox": Row(get=same(404), post=NOT_ALLOWED),
}

# Other people's packages, checked separately below.
MOUNTED_ELSEWHERE = ("accounts/", "admin/")


def our_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(MOUNTED_ELSEWHERE):
                continue
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, ns)
            else:
                assert pattern.name, f"URL {route!r} has no name; name it and add a MATRIX row"
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns, "", "")
    return names
