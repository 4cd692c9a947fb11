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
from repair.therapists.models import TherapistAccess
from rituals.models import Proposal, ScheduledRitual

# The therapist roles (repair/therapists/): Theo, Avery and Blake's therapist, with access open (both
# partners said yes), invited and accepted but with only Avery's yes, or ended by a partner; and
# Tess, the therapist of the outsider's couple, whose access is open. Each is a therapist account.
THERAPIST_ROLES = ("therapist_agreed", "therapist_pending", "therapist_ended", "therapist_other")
ROLES = ("anonymous", "partner_a", "partner_b", "outsider", "staff", *THERAPIST_ROLES)
LOGIN = "login"  # a 302 to the sign-in page
TOKEN = "a-pending-token-for-the-couple-of-avery-and-blake"
THERAPIST_TOKEN = "the-token-of-avery-and-blakes-therapist-invitation"


@dataclass(frozen=True)
class World:
    couple: Couple
    invite: Invite
    shared_checkin: CheckIn
    reflection_slug: str
    # Avery and Blake's therapist access (its state follows the role under test); None where a
    # test builds no therapist, and the therapist pages are then a 404 for all.
    therapist_access: TherapistAccess | None = None


@dataclass(frozen=True)
class Row:
    # Expected outcome per role, for GET and for POST: an HTTP status or LOGIN.
    get: dict[str, int | str]
    post: dict[str, int | str]
    kwargs: Callable[[World], dict[str, object]] = lambda world: {}


BASE_ROLES = ROLES[: -len(THERAPIST_ROLES)]


def same(value: int | str, **overrides: int | str) -> dict[str, int | str]:
    """The outcome for the five first roles (the therapist roles follow, ``with_therapists``)."""
    return {role: overrides.get(role, value) for role in BASE_ROLES} | {
        role: outcome for role, outcome in overrides.items() if role in THERAPIST_ROLES
    }


def every(value: int | str, **overrides: int | str) -> dict[str, int | str]:
    """The outcome for every role, the therapist ones included."""
    return {role: overrides.get(role, value) for role in ROLES}


# The pages a therapist account may open: its own, its account's, and those that are the same for
# everyone. Written out here (not read from repair/therapists/middleware.py) so a change there shows.
THERAPIST_MAY_OPEN = frozenset(
    {
        "settings",
        "export_data",
        "delete_account",
        "account_deleted",
        "quick_exit",
        "resources",
        "reads",
        "read",
        "unsubscribe",
        "outbox",
    }
)


def with_therapists(name: str, expected: dict[str, int | str]) -> dict[str, int | str]:
    """A row's outcome for the therapist roles, where the row does not give it: a page a therapist
    may open behaves for them as for staff (an account with no couple); anything else sends them
    to their list of couples (a 302) before the view runs, GET or POST."""
    default = dict.fromkeys(
        THERAPIST_ROLES, expected["staff"] if name in THERAPIST_MAY_OPEN else 302
    )
    return {**default, **expected}


# Pages of a couple: anonymous people sign in; everyone else sees their own couple's page (the
# outsider their own couple, staff with no couple is sent to the start page).
COUPLE_PAGE_GET = same(200, anonymous=LOGIN, staff=302)
NOT_ALLOWED = same(405)
ALL_NOT_ALLOWED = every(405)
# A therapist: the couple's side of the therapist pages sends them to the start page, and from
# there (as everything of a couple does) to their list.
THERAPIST_SENT_ON = dict.fromkeys(THERAPIST_ROLES, 302)


def therapist_access_of(world: World) -> dict[str, object]:
    return {"access_id": world.therapist_access.pk if world.therapist_access else 0}


# What only Theo, with the access open, may open; a 404 for everyone else signed in.
ONLY_AGREED_THERAPIST = every(404, anonymous=LOGIN, therapist_agreed=200)


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


def suggestion_of(world: World) -> dict[str, object]:
    """A daily ritual for both that Avery suggested, waiting for Blake's yes (made on first use)."""
    ritual, _ = ScheduledRitual.objects.get_or_create(
        couple=world.couple,
        ritual="reset-breath",
        defaults={
            "cadence": "daily",
            "local_time": time(8, 0),
            "created_by": world.invite.created_by,
            "proposal": Proposal.WAITING,
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
    # The prompt bank and the check-backs (Sustaining): the couple's own, taken from the session,
    # never from the address. Before Sustaining opens: a calm "not yet" page. An empty POST
    # re-shows the page with a kind message.
    "program_bank": Row(get=COUPLE_PAGE_GET, post=same(200, anonymous=LOGIN, staff=302)),
    "program_bank_past": Row(get=COUPLE_PAGE_GET, post=NOT_ALLOWED),
    "program_check_back": Row(
        get=COUPLE_PAGE_GET,
        post=same(200, anonymous=LOGIN, staff=302),
        kwargs=lambda world: {"months": 3},
    ),
    # An exercise of the couple's own: an empty POST re-shows the page with a kind message.
    "program_exercise": Row(
        get=COUPLE_PAGE_GET,
        post=same(200, anonymous=LOGIN, staff=302),
        kwargs=lambda world: {"stage_slug": "safety", "exercise_slug": world.reflection_slug},
    ),
    # Reconnection (optional, after the closeness ladder): always the signed-in person's own
    # couple's, never found by an id. An empty or unknown POST changes nothing and goes back.
    "program_reconnection": Row(get=COUPLE_PAGE_GET, post=same(302, anonymous=LOGIN)),
    "program_reconnection_step": Row(
        get=COUPLE_PAGE_GET,
        post=same(302, anonymous=LOGIN),
        kwargs=lambda world: {"step_slug": "reconnection-kissing"},
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
    # Only the partner asked may answer a suggestion (an empty POST changes nothing and goes
    # back); the one who suggested it finds nothing to answer, like anyone outside the couple.
    "rituals:ritual_answer": Row(
        get=NOT_ALLOWED,
        post=same(302, anonymous=LOGIN, partner_a=404, outsider=404),
        kwargs=suggestion_of,
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
    # --- the therapist window (repair/therapists/) ---
    # The couple's page: invite, say yes, what the therapist sees, the log. An empty POST (no
    # address) re-shows the form kindly. The outsider sees their own couple's.
    "therapists:ours": Row(
        get=every(200, anonymous=LOGIN, staff=302, **THERAPIST_SENT_ON),
        post=every(200, anonymous=LOGIN, staff=302, **THERAPIST_SENT_ON),
    ),
    # One partner's yes: with nothing ticked, the page again with a kind message.
    "therapists:agree": Row(
        get=ALL_NOT_ALLOWED, post=every(200, anonymous=LOGIN, staff=302, **THERAPIST_SENT_ON)
    ),
    # Ending: by either partner, alone (the outsider ends their own couple's).
    "therapists:end": Row(get=ALL_NOT_ALLOWED, post=every(302, anonymous=LOGIN)),
    # Holding one item back: an empty POST changes nothing and goes back with a word.
    "therapists:item": Row(get=ALL_NOT_ALLOWED, post=every(302, anonymous=LOGIN)),
    "therapists:summary": Row(
        get=every(200, anonymous=LOGIN, staff=302, **THERAPIST_SENT_ON), post=ALL_NOT_ALLOWED
    ),
    # The therapist's list: every therapist account has one (an ended or waiting couple is simply
    # not on it, or not named); anyone else is sent to Today.
    "therapists:home": Row(
        get=every(302, anonymous=LOGIN, **dict.fromkeys(THERAPIST_ROLES, 200)),
        post=ALL_NOT_ALLOWED,
    ),
    # Avery and Blake's page: Theo with the access open, nobody else (a 404, never a redirect
    # that would say it exists).
    "therapists:couple": Row(
        get=ONLY_AGREED_THERAPIST, post=ALL_NOT_ALLOWED, kwargs=therapist_access_of
    ),
    "therapists:couple_summary": Row(
        get=ONLY_AGREED_THERAPIST, post=ALL_NOT_ALLOWED, kwargs=therapist_access_of
    ),
    # The one thing a therapist writes: an empty POST suggests nothing and goes back.
    "therapists:suggest": Row(
        get=ALL_NOT_ALLOWED,
        post=every(404, anonymous=LOGIN, therapist_agreed=302),
        kwargs=therapist_access_of,
    ),
    # The invitation link, already taken by Theo: he is sent to his list; anyone else holding it
    # is told it has been used.
    "therapists:invite": Row(
        get=every(410, therapist_agreed=302, therapist_pending=302, therapist_ended=302),
        post=every(410, therapist_agreed=302, therapist_pending=302, therapist_ended=302),
        kwargs=lambda world: {"token": THERAPIST_TOKEN},
    ),
    # Nothing remembered in this browser: a kind 404 signed out, on to one's own start signed in.
    "therapists:invite_pending": Row(get=every(302, anonymous=404), post=every(302, anonymous=404)),
}

# Every row gets the therapist roles: given explicitly above for the therapist pages, derived
# (and spelled out in ``with_therapists``) for the rest.
MATRIX = {
    name: Row(
        get=with_therapists(name, row.get),
        post=with_therapists(name, row.post),
        kwargs=row.kwargs,
    )
    for name, row in MATRIX.items()
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
