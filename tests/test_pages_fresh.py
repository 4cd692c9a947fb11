"""Today, history and the calendar are drawn on every request: no cache keeps a page body, so no
change waits, nothing a person wrote or is called sits in Redis, and nothing typed can collide
with a placeholder in cached HTML. These tests hold the pages to that; the query-count tests in
test_checkins.py and test_rituals.py hold them to a constant cost as history grows."""

from __future__ import annotations

import contextlib
import json
import pickle
import re
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from cryptography.fernet import InvalidToken
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from checkins import services as checkin_services
from checkins.models import SHAREABLE_FIELDS, CheckIn
from checkins.services import CheckinInput
from repair.couples import services
from repair.couples.models import Couple, Invite, User
from repair.lib.crypto import fernet
from repair.lib.tokens import token_hash
from repair.program.content import program
from repair.program.models import ExerciseCompletion
from rituals import services as ritual_services
from rituals.models import GratitudeNote, ScheduledRitual
from rituals.services import ScheduleInput
from tests.access_matrix import MATRIX, TOKEN, World, our_url_names
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.factories import couple_view as view
from tests.subprocesses import run

SHARED_WORDS = "walked by the river and felt lighter"
NOTE_WORDS = "thank you for the soup on Tuesday"
REPLY_WORDS = "so glad the river helped"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def at_noon() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.text


def check_in(
    user: User, *, shared: bool = True, words: str = SHARED_WORDS, mood: int = 4
) -> CheckIn:
    return checkin_services.checkin_record(
        user=user,
        couple=view(user),
        data=CheckinInput(
            scales={"safety": 4, "mood": mood},
            helped=words,
            shared=frozenset(SHAREABLE_FIELDS if shared else ()),
        ),
    )


def schedule(
    user: User, *, slug: str = "weekly-touchpoint", just_me: bool = False, accepted: bool = True
):
    """Scheduled by ``user``; one for both is then accepted by the partner (unless not
    ``accepted``: left as a suggestion)."""
    ritual = ritual_services.ritual_schedule(
        couple=view(user),
        data=ScheduleInput(
            ritual=slug,
            cadence="daily",
            local_time=time(20, 0),
            weekday=None,
            day_of_month=None,
            just_me=just_me,
        ),
        now=NOW - timedelta(days=7),
    )
    partner = view(user).partner
    if ritual.is_waiting and accepted and partner is not None:
        ritual = ritual_services.ritual_answer(
            couple=view(partner), ritual=ritual, accept=True, now=NOW - timedelta(days=7)
        )
    return ritual


# --- every change shows at once ----------------------------------------------------------------------


def _shares(a: User, b: User) -> None:
    check_in(b)


def _i_share(a: User, b: User) -> None:
    check_in(a)


def _unshares(a: User, b: User) -> None:
    check_in(b, shared=False)


def _acknowledges_mine(a: User, b: User) -> None:
    checkin_services.checkin_acknowledge(
        checkin=CheckIn.objects.get(user=a), by=b, kind="reply", reply=REPLY_WORDS
    )


def _sends_a_note(a: User, b: User) -> None:
    ritual_services.note_send(couple=view(b), text=NOTE_WORDS)


def _opens_the_note(a: User, b: User) -> None:
    ritual_services.note_mark_read(
        couple=view(a), note_ids=list(GratitudeNote.objects.values_list("pk", flat=True))
    )


def _pauses(a: User, b: User) -> None:
    services.pause_notify(user=b, minutes=30)


def _schedules_a_daily_ritual(a: User, b: User) -> None:
    schedule(b, slug="reset-breath")


def _renames(a: User, b: User) -> None:
    services.profile_update(user=b, display_name="Blake R.", time_zone=b.time_zone)


def _changes_a_number(a: User, b: User) -> None:
    check_in(b, mood=1)


def _suggests_a_ritual(a: User, b: User) -> None:
    schedule(b, slug="reset-breath", accepted=False)


def _schedules_for_both(a: User, b: User) -> None:
    schedule(b)


def _schedules_just_theirs(a: User, b: User) -> None:
    schedule(b, just_me=True)


def _pauses_the_ritual(a: User, b: User) -> None:
    ritual_services.ritual_pause(ritual=_ritual(a))


def _marks_today_kept(a: User, b: User) -> None:
    ritual_services.occurrence_mark(ritual=_ritual(a), user=a, day=TODAY, status="kept")


def _ritual(a: User) -> ScheduledRitual:
    return ScheduledRitual.objects.get(couple=view(a).couple, ritual="weekly-touchpoint")


def _completes_the_first_step(a: User, b: User) -> None:
    first = program().stages[0].exercises[0]
    ExerciseCompletion.objects.create(couple=view(a).couple, user=a, exercise=first.slug)


FIRST_STEP = program().stages[0].exercises[0].title
type Change = Callable[[User, User], None]
TODAY_CHANGES: list[tuple[str, Change | None, Change, Callable[[str], bool]]] = [
    ("partner shares a check-in", None, _shares, lambda page: SHARED_WORDS in page),
    ("partner makes it private", _shares, _unshares, lambda page: SHARED_WORDS not in page),
    ("partner replies to mine", _i_share, _acknowledges_mine, lambda page: REPLY_WORDS in page),
    ("partner sends a note", None, _sends_a_note, lambda page: NOTE_WORDS in page),
    ("I open the note", _sends_a_note, _opens_the_note, lambda page: NOTE_WORDS not in page),
    ("partner takes a pause", None, _pauses, lambda page: "is taking some time" in page),
    (
        "a daily ritual is scheduled",
        None,
        _schedules_a_daily_ritual,
        lambda page: "today-rituals-heading" in page,
    ),
    (
        "partner suggests a ritual for both",
        None,
        _suggests_a_ritual,
        lambda page: "today-asks-heading" in page,
    ),
    ("partner changes their name", None, _renames, lambda page: "Blake R." in page),
    (
        "I finish the next step",
        None,
        _completes_the_first_step,
        lambda page: FIRST_STEP not in page,
    ),
]


@pytest.mark.parametrize(
    ("before", "change", "shows"),
    [c[1:] for c in TODAY_CHANGES],
    ids=[c[0] for c in TODAY_CHANGES],
)
def test_today_shows_every_change_at_once(
    couple: Couple,
    partner_a: User,
    partner_b: User,
    before: Change | None,
    change: Change,
    shows: Callable[[str], bool],
):
    if before is not None:
        before(partner_a, partner_b)
    client = client_for(partner_a)
    for _ in range(2):  # seen twice: nothing about the first look may stick
        assert not shows(get(client, reverse("today")))

    change(partner_a, partner_b)

    assert shows(get(client, reverse("today")))


HISTORY = reverse("checkins:history") + "?range=7"


def _partner_mood(page: str) -> list[tuple[str, str]]:
    return re.findall(r"Blake shared (\d+) answers?, on average ([\d.]+)", page)


HISTORY_CHANGES: list[tuple[str, Change | None, Change, Callable[[str], bool]]] = [
    ("partner shares a check-in", None, _shares, lambda page: bool(_partner_mood(page))),
    ("partner makes it private", _shares, _unshares, lambda page: not _partner_mood(page)),
    (
        "partner changes a number",
        _shares,
        _changes_a_number,
        lambda page: any(average.startswith("1") for _, average in _partner_mood(page)),
    ),
    ("I check in", None, _i_share, lambda page: "checked in, shared" in page),
    ("partner changes their name", None, _renames, lambda page: "Blake R." in page),
]


@pytest.mark.parametrize(
    ("before", "change", "shows"),
    [c[1:] for c in HISTORY_CHANGES],
    ids=[c[0] for c in HISTORY_CHANGES],
)
def test_history_shows_every_change_at_once(
    couple: Couple,
    partner_a: User,
    partner_b: User,
    before: Change | None,
    change: Change,
    shows: Callable[[str], bool],
):
    if before is not None:
        before(partner_a, partner_b)
    client = client_for(partner_a)
    for _ in range(2):
        assert not shows(get(client, HISTORY))

    change(partner_a, partner_b)

    assert shows(get(client, HISTORY))


CALENDAR = reverse("rituals:calendar") + "?view=week&date=2026-11-23"


CALENDAR_CHANGES: list[tuple[str, Change | None, Change, Callable[[str], bool]]] = [
    (
        "partner schedules a ritual",
        None,
        _schedules_for_both,
        lambda page: "Weekly touchpoint" in page,
    ),
    (
        "partner pauses it",
        _schedules_for_both,
        _pauses_the_ritual,
        lambda page: "Weekly touchpoint" not in page,
    ),
    (
        "I mark today kept",
        _schedules_for_both,
        _marks_today_kept,
        lambda page: 'aria-pressed="true"' in page,
    ),
    ("I check in", None, _i_share, lambda page: "done" in re.findall(r"✓</span> (\w+)", page)),
    (
        "partner renames, a ritual just theirs",
        _schedules_just_theirs,
        _renames,
        lambda page: "just for Blake R." in page,
    ),
]


@pytest.mark.parametrize(
    ("before", "change", "shows"),
    [c[1:] for c in CALENDAR_CHANGES],
    ids=[c[0] for c in CALENDAR_CHANGES],
)
def test_the_calendar_shows_every_change_at_once(
    couple: Couple,
    partner_a: User,
    partner_b: User,
    before: Change | None,
    change: Change,
    shows: Callable[[str], bool],
):
    if before is not None:
        before(partner_a, partner_b)
    client = client_for(partner_a)
    for _ in range(2):
        assert not shows(get(client, CALENDAR))

    change(partner_a, partner_b)

    assert shows(get(client, CALENDAR))


def test_when_the_partner_leaves_today_is_gone_at_once(
    client_a: Client, partner_a: User, partner_b: User
):
    assert "You and Blake" in get(client_a, reverse("today"))

    services.couple_leave(user=partner_b)

    assert client_a.get(reverse("today")).status_code == 302  # to /start/: no couple any more


def test_a_partners_pause_leaves_today_when_it_ends(
    client_a: Client, partner_b: User, at_noon: time_machine.Traveller
):
    services.pause_notify(user=partner_b, minutes=30)
    assert "is taking some time" in get(client_a, reverse("today"))

    at_noon.move_to(NOW + timedelta(minutes=30))  # back_at itself: the pause is over

    assert "is taking some time" not in get(client_a, reverse("today"))


def test_a_new_day_starts_a_fresh_today(
    client_a: Client, partner_a: User, at_noon: time_machine.Traveller
):
    check_in(partner_a, shared=False)
    assert "Done for today" in get(client_a, reverse("today"))

    at_noon.move_to(NOW + timedelta(days=1))

    assert "Done for today" not in get(client_a, reverse("today"))


def test_the_other_partner_never_gets_my_today(client_a: Client, client_b: Client, partner_a: User):
    check_in(partner_a, shared=False, words="only mine to read")

    mine = get(client_a, reverse("today"))
    theirs = get(client_b, reverse("today"))

    assert "Done for today, just for you." in mine
    assert "Done for today" not in theirs
    assert "only mine to read" not in mine + theirs  # Today shows no one their own words either


# --- nothing typed is a placeholder --------------------------------------------------------------------

# The old cached pages' CSRF stand-in, raw and as a template escapes it, and template syntax.
TEMPLATE_LOOKING = [
    "<csrf-slot>",
    "&lt;csrf-slot&gt;",
    "{{ csrf_token }}",
    "{% csrf_token %}",
    "{{ request.user.email }}",
]
_HIDDEN_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">')
_HX_HEADERS = re.compile(r"<body data-hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'[^>]*>")


def _unmask(token: str) -> str:
    """The secret a masked CSRF token carries (Django's own masking: a mask, then the secret
    shifted by it, character by character)."""
    mask, cipher = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    return "".join(
        CSRF_ALLOWED_CHARS[
            (CSRF_ALLOWED_CHARS.index(c) - CSRF_ALLOWED_CHARS.index(m)) % len(CSRF_ALLOWED_CHARS)
        ]
        for c, m in zip(cipher, mask, strict=True)
    )


def _token_only_where_it_belongs(page: str, client: Client) -> str:
    """The page's CSRF token, after checking that the viewer's CSRF secret, in any masking, is in
    the hidden inputs and the htmx headers on ``<body>`` and nowhere else in the page."""
    secret = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    header = _HX_HEADERS.search(page)
    assert header is not None, "the htmx headers on <body> carry the token"
    proper = [header.group(1), *_HIDDEN_INPUT.findall(page)]
    # Each {% csrf_token %} masks the secret afresh; unmasking shows whose it is.
    assert {_unmask(token) for token in proper} == {secret}
    rest = _HIDDEN_INPUT.sub("", _HX_HEADERS.sub("", page))
    for chunk in re.findall(r"[A-Za-z0-9]{32,}", rest):
        assert secret not in chunk
        for start in range(len(chunk) - CSRF_TOKEN_LENGTH + 1):
            assert _unmask(chunk[start : start + CSRF_TOKEN_LENGTH]) != secret, chunk
    return header.group(1)


def test_template_looking_words_show_as_typed_and_never_as_the_viewers_token(
    couple: Couple, partner_a: User, partner_b: User
):
    words = " ".join(TEMPLATE_LOOKING)
    check_in(partner_b, words=words)
    ritual_services.note_send(couple=view(partner_b), text=words)
    client = Client(enforce_csrf_checks=True)
    client.force_login(partner_a)

    for _ in range(2):
        page = get(client, reverse("today"))
        token = _token_only_where_it_belongs(page, client)
        assert _HIDDEN_INPUT.search(page) is not None  # the acknowledgement form
        # As typed, escaped once, in the note and in the shared check-in.
        assert page.count(str(escape(words))) == 2
        assert "<csrf-slot>" not in page
        assert partner_a.email not in page

    # The token in the page is this session's, and the form it sits in is accepted.
    action = re.search(r'<form method="post" action="([^"]+)"', page)
    assert action is not None
    response = client.post(
        action.group(1), {"csrfmiddlewaretoken": token, "kind": "heart", "next": "/"}
    )
    assert response.status_code == 302
    assert "You sent a heart." in get(client, reverse("today"))


@pytest.mark.parametrize("page", ["today", "checkins:history", "rituals:calendar"])
def test_a_name_that_looks_like_a_template_is_shown_as_typed(
    couple: Couple, partner_a: User, partner_b: User, page: str
):
    services.profile_update(
        user=partner_b,
        display_name="{% csrf_token %} <csrf-slot> &lt;csrf-slot&gt;",
        time_zone=partner_b.time_zone,
    )
    schedule(partner_b, just_me=True)  # the calendar names whose ritual it is
    check_in(partner_b)  # history names the partner in its summaries
    client = client_for(partner_a)

    body = get(client, reverse(page))

    _token_only_where_it_belongs(body, client)
    assert "{% csrf_token %} &lt;csrf-slot&gt; &amp;lt;csrf-slot&amp;gt;" in body


# --- a deleted account is gone from every page at once -----------------------------------------------


def _world(couple: Couple, partner_a: User) -> World:
    invite = Invite.objects.create(
        couple=couple,
        created_by=partner_a,
        token_hash=token_hash(TOKEN),
        expires_at=NOW + timedelta(days=3),
    )
    shared = check_in(partner_a)
    reflection = next(e for e in program().stages[0].exercises if e.type == "reflection")
    return World(
        couple=couple, invite=invite, shared_checkin=shared, reflection_slug=reflection.slug
    )


def _every_page(client: Client, world: World) -> Iterator[tuple[str, str]]:
    """Every URL of ours (the resolver, walked by tests/access_matrix.py), as a page and as htmx asks
    for it, with redirects followed: (url, text) for each that answers."""
    for name in sorted(our_url_names() - {"quick_exit"}):  # it would sign the viewer out
        url = reverse(name, kwargs=MATRIX[name].kwargs(world))
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(url, follow=True, **headers)  # type: ignore[arg-type]
            assert response.status_code < 500, (url, response.status_code)
            yield url, response.content.decode(errors="replace")
    for url in (
        reverse("checkins:history") + "?range=90",
        reverse("rituals:calendar") + "?view=month",
        reverse("account_email"),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        yield url, response.text


def test_after_the_partner_deletes_their_account_no_page_shows_their_name(
    couple: Couple, partner_a: User, partner_b: User
):
    world = _world(couple, partner_a)
    check_in(partner_b)
    ritual_services.note_send(couple=view(partner_b), text=NOTE_WORDS)
    schedule(partner_b)  # for both: handed to Avery when Blake goes
    schedule(partner_b, slug="reset-breath", just_me=True)
    client_a = client_for(partner_a)
    seen = [url for url, page in _every_page(client_a, world) if "Blake" in page]
    assert reverse("today") in seen  # so the walk can see the name where it is

    client_b = client_for(partner_b)
    deleted = client_b.post(reverse("delete_account"), {"password": PASSWORD})
    assert deleted.status_code == 302
    assert not User.objects.filter(pk=partner_b.pk).exists()

    for url, page in _every_page(client_a, world):
        assert "Blake" not in page, url
        assert NOTE_WORDS not in page, url


# --- nothing of anyone in the cache -------------------------------------------------------------------


def _opened(raw: bytes) -> list[bytes]:
    """A stored value and whatever it opens into: unpickled, decrypted with the field keys,
    decompressed, so that neither compression nor sealing hides what a value holds."""
    found = [raw]
    try:
        value = pickle.loads(raw)  # noqa: S301 - our own test Redis, written by this test
    except Exception:
        value = None
    if isinstance(value, bytes | str):
        found.append(value.encode() if isinstance(value, str) else value)
    elif value is not None:
        found.append(repr(value).encode())
    for each in list(found):
        with contextlib.suppress(InvalidToken):
            found.append(fernet().decrypt(each))
    for each in list(found):
        with contextlib.suppress(zlib.error):
            found.append(zlib.decompress(each))
        with contextlib.suppress(zlib.error):
            found.append(zlib.decompress(each[8:]))
    return found


def test_no_key_in_redis_holds_anyones_words_or_names_after_every_page(
    couple: Couple, partner_a: User, partner_b: User
):
    world = _world(couple, partner_a)
    check_in(partner_b)
    _acknowledges_mine(partner_a, partner_b)
    ritual_services.note_send(couple=view(partner_b), text=NOTE_WORDS)
    schedule(partner_b)
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    # Through the forms too, as people write: a check-in and a note, redirects followed.
    client_a.post(
        reverse("checkins:index"),
        {
            "share_mood": "on",
            "mood": "3",
            "share_need": "on",
            "need": "a quiet evening together",
        },
        follow=True,
    )
    client_b.post(reverse("rituals:note_send"), {"text": "the tea was perfect"}, follow=True)
    shown = ""
    for client in (client_a, client_b):
        for _url, page in _every_page(client, world):
            shown += page
    assert NOTE_WORDS in shown  # the walk did show people's words and names
    assert SHARED_WORDS in shown
    assert "a quiet evening together" in shown

    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    keys = redis.keys("*")
    assert keys  # the sessions are there
    # Every value is a plain string (pickled, or a counter): read each one as stored and opened.
    assert {redis.type(key) for key in keys} == {b"string"}
    stored = b"\n".join(key + b"\n" + b"\n".join(_opened(redis.get(key) or b"")) for key in keys)
    needles = [
        SHARED_WORDS,
        NOTE_WORDS,
        REPLY_WORDS,
        "a quiet evening together",
        "the tea was perfect",
        "river",
        "soup",
        "Avery",
        "Blake",
        partner_a.email,
        partner_b.email,
    ]
    for needle in needles:
        assert needle.encode() not in stored, needle
        assert needle.lower().encode() not in stored.lower(), needle


@pytest.mark.parametrize("page", ["today", "checkins:history", "rituals:calendar"])
def test_the_pages_work_while_the_cache_is_down(
    client_a: Client, partner_b: User, settings: pytest.FixtureRequest, page: str
):
    check_in(partner_b)
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "repair.lib.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    text = get(client_a, reverse(page))
    if page == "today":
        assert SHARED_WORDS in text


# --- the revision is gone, on PostgreSQL and on SQLite -------------------------------------------------


@pytest.mark.django_db
def test_no_revision_trigger_function_or_column_is_left_on_postgres():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'mend_rev_%%'")
        triggers = cursor.fetchall()
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'mend_rev_%%'")
        functions = cursor.fetchall()
        columns = [
            c.name for c in connection.introspection.get_table_description(cursor, "repair_couple")
        ]

    assert triggers == []
    assert functions == []
    assert "revision" not in columns


SQLITE_MIGRATIONS = """
import django, json; django.setup()
from django.core.management import call_command
from django.db import connection

def state():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'mend_rev_%'")
        triggers = cursor.fetchone()[0]
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "repair_couple")]
    return [triggers, "revision" in columns]

seen = []
call_command("migrate", verbosity=0); seen.append(state())
call_command("migrate", "repair", "0006", verbosity=0); seen.append(state())
call_command("migrate", "checkins", "0003", verbosity=0)
call_command("migrate", "rituals", "0004", verbosity=0); seen.append(state())
call_command("migrate", verbosity=0); seen.append(state())
from tests.factories import make_couple, make_user
from checkins.models import CheckIn
a, b = make_user("Avery"), make_user("Blake"); couple = make_couple(a, b)
CheckIn.objects.create(user=b, couple=couple, local_date="2026-11-25")
couple.save()
print(json.dumps(seen))
"""


def test_sqlite_migrates_to_no_revision_and_back(tmp_path: Path):
    result = run(SQLITE_MIGRATIONS, {"DEBUG": "true"}, tmp_path)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # Forwards: none; backwards: the core's 25 (8 tables x 3 and the couple guard), then the
    # outer apps' 15; forwards again: none, and writes work.
    assert seen == [[0, False], [25, True], [40, True], [0, False]]
