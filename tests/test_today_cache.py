"""The Today page is kept in the cache under the couple's revision, which the database moves on every
write to what the page shows (repair/revisions.py); so is the history page's body. These tests hold
the cache to three promises: it is never stale, it never stores anyone's words in the clear, and
every form on a cached page still works."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins import services as checkin_services
from checkins.models import CheckIn, Visibility
from checkins.services import CheckinInput
from repair import services
from repair.models import Couple, ExerciseCompletion, User
from repair.program import program
from repair.selectors import couple_for_user
from rituals import services as ritual_services
from rituals.models import GratitudeNote
from rituals.services import ScheduleInput
from tests.conftest import client_for
from tests.test_settings import run

SHARED_WORDS = "walked by the river and felt lighter"
NOTE_WORDS = "thank you for the soup on Tuesday"
REPLY_WORDS = "so glad the river helped"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_noon() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def today(client: Client) -> str:
    response = client.get(reverse("today"))
    assert response.status_code == 200
    return response.text


def cached_today(client: Client) -> str:
    """Today, twice: the second is served from the cache (asserted by its query count)."""
    today(client)
    with CaptureQueriesContext(connection) as hit:
        page = today(client)
    assert len(hit.captured_queries) <= 2, [q["sql"] for q in hit.captured_queries]
    return page


def view(user: User):
    found = couple_for_user(user=user)
    assert found is not None
    return found


def check_in(user: User, *, shared: bool = True, words: str = SHARED_WORDS) -> CheckIn:
    return checkin_services.checkin_record(
        user=user,
        couple=view(user),
        data=CheckinInput(
            visibility=Visibility.SHARED if shared else Visibility.PRIVATE,
            scales={"safety": 4},
            helped=words,
        ),
    )


# --- never stale ----------------------------------------------------------------------------------


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
    ritual_services.ritual_schedule(
        couple=view(b),
        data=ScheduleInput(
            ritual="reset-breath",
            cadence="daily",
            local_time=time(20, 0),
            weekday=None,
            day_of_month=None,
            just_me=False,
        ),
        now=NOW - timedelta(days=1),
    )


def _renames(a: User, b: User) -> None:
    services.profile_update(
        user=b, display_name="Blake R.", time_zone=b.time_zone, self_description=""
    )


def _leaves(a: User, b: User) -> None:
    services.couple_leave(user=b)


def _completes_the_first_step(a: User, b: User) -> None:
    first = program().stages[0].exercises[0]
    ExerciseCompletion.objects.create(couple=view(a).couple, user=a, exercise=first.slug)


FIRST_STEP = program().stages[0].exercises[0].title
CHANGES: list[
    tuple[
        str,
        Callable[[User, User], None] | None,
        Callable[[User, User], None],
        Callable[[str], bool],
    ]
] = [
    ("partner shares a check-in", None, _shares, lambda page: SHARED_WORDS in page),
    ("partner makes it private", _shares, _unshares, lambda page: SHARED_WORDS not in page),
    ("partner replies to mine", _i_share, _acknowledges_mine, lambda page: REPLY_WORDS in page),
    ("partner sends a note", None, _sends_a_note, lambda page: NOTE_WORDS in page),
    ("I open the note", _sends_a_note, _opens_the_note, lambda page: NOTE_WORDS not in page),
    ("partner takes a pause", None, _pauses, lambda page: "is taking a pause" in page),
    (
        "a daily ritual is scheduled",
        None,
        _schedules_a_daily_ritual,
        lambda page: "today-rituals-heading" in page,
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
    ("before", "change", "shows"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES]
)
def test_today_shows_every_change_at_once(
    couple: Couple,
    partner_a: User,
    partner_b: User,
    before: Callable[[User, User], None] | None,
    change: Callable[[User, User], None],
    shows: Callable[[str], bool],
):
    if before is not None:
        before(partner_a, partner_b)
    client = client_for(partner_a)
    assert not shows(cached_today(client))

    change(partner_a, partner_b)

    assert shows(today(client))


def test_when_the_partner_leaves_the_cached_today_is_gone(
    client_a: Client, partner_a: User, partner_b: User
):
    assert "You and Blake" in cached_today(client_a)

    _leaves(partner_a, partner_b)

    assert client_a.get(reverse("today")).status_code == 302  # to /start/: no couple any more


def test_a_partners_pause_leaves_today_when_it_ends(
    client_a: Client, partner_b: User, at_noon: time_machine.Traveller
):
    services.pause_notify(user=partner_b, minutes=30)
    assert "is taking a pause" in cached_today(client_a)

    at_noon.move_to(NOW + timedelta(minutes=30))  # back_at itself: the pause is over

    assert "is taking a pause" not in today(client_a)


def test_a_new_day_starts_a_fresh_today(
    client_a: Client, partner_a: User, at_noon: time_machine.Traveller
):
    check_in(partner_a, shared=False)
    assert "Done for today" in cached_today(client_a)

    at_noon.move_to(NOW + timedelta(days=1))

    assert "Done for today" not in today(client_a)


def test_saving_a_couple_loaded_before_a_change_never_moves_its_revision_back(
    couple: Couple, partner_a: User, partner_b: User
):
    stale = Couple.objects.get(pk=couple.pk)
    check_in(partner_b)
    after_check_in = Couple.objects.get(pk=couple.pk).revision

    stale.save()  # writes the revision it was loaded with

    assert after_check_in > stale.revision
    assert Couple.objects.get(pk=couple.pk).revision > after_check_in


@pytest.mark.parametrize("page", ["today", "checkins:history", "rituals:calendar"])
def test_every_table_a_page_kept_under_the_revision_reads_moves_it(
    couple: Couple, partner_a: User, partner_b: User, page: str
):
    check_in(partner_a)
    check_in(partner_b)
    _acknowledges_mine(partner_a, partner_b)
    _sends_a_note(partner_a, partner_b)
    _pauses(partner_a, partner_b)
    _schedules_a_daily_ritual(partner_a, partner_b)
    client = client_for(partner_a)
    with CaptureQueriesContext(connection) as miss:
        response = client.get(reverse(page))
    assert response.status_code == 200
    if page == "today":  # every card was drawn
        assert NOTE_WORDS in response.text
        assert REPLY_WORDS in response.text
    read = {
        table
        for query in miss.captured_queries
        for table in re.findall(r'(?:FROM|JOIN) "([a-z_]+)"', query["sql"])
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'mend_rev_%%'"
        )
        events: dict[str, int] = {}
        for table, kind in cursor.fetchall():
            events[table] = events.get(table, 0) | kind
    insert, delete, update = 4, 8, 16  # pg_trigger.tgtype bits
    watched = {table for table, kind in events.items() if kind & (insert | delete | update) == 28}

    # The person and the couple rows are read on every page: the cache key holds the fields of
    # theirs that the page shows (names, time zones), and the couple row's own updates move it.
    assert read - watched == {"repair_user", "repair_couple"}
    assert "checkins_checkin" in read
    if page == "today":
        assert {"rituals_gratitudenote", "repair_pausenotice"} <= read


# --- never in the clear ---------------------------------------------------------------------------


def test_the_cached_today_page_holds_no_ones_words_in_the_clear(
    client_a: Client, partner_a: User, partner_b: User
):
    check_in(partner_b)
    _sends_a_note(partner_a, partner_b)

    page = cached_today(client_a)

    assert SHARED_WORDS in page
    assert NOTE_WORDS in page
    client = cache._cache.get_client()  # type: ignore[attr-defined]
    stored = [client.get(key) for key in client.keys("*")]
    assert stored  # the session and the page are there
    for needle in (SHARED_WORDS, NOTE_WORDS, "river", "soup"):
        assert not any(needle.encode() in value for value in stored if value)


def test_the_other_partner_never_gets_my_cached_today(
    client_a: Client, client_b: Client, partner_a: User, partner_b: User
):
    check_in(partner_a, shared=False, words="only mine to read")

    mine = cached_today(client_a)
    theirs = cached_today(client_b)

    assert "Done for today, just for you." in mine
    assert "Done for today" not in theirs
    assert "only mine to read" not in mine + theirs  # Today shows no one their own words either


# --- forms still work -----------------------------------------------------------------------------


def test_acknowledging_from_a_cached_today_is_accepted_with_this_sessions_token(
    couple: Couple, partner_a: User, partner_b: User
):
    check_in(partner_b)
    client = Client(enforce_csrf_checks=True)
    client.force_login(partner_a)
    page = cached_today(client)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    assert "csrf-slot" not in page
    action = re.search(r'<form method="post" action="([^"]+)"', page)
    assert action is not None

    response = client.post(
        action.group(1), {"csrfmiddlewaretoken": token.group(1), "kind": "heart", "next": "/"}
    )

    assert response.status_code == 302
    assert "You sent a heart." in today(client)


def test_today_works_while_the_cache_is_down(
    client_a: Client, partner_b: User, settings: pytest.FixtureRequest
):
    check_in(partner_b)
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "repair.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    assert SHARED_WORDS in today(client_a)


# --- SQLite, as `make run` uses it ----------------------------------------------------------------

SQLITE_CHECK = """
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from repair.models import Couple
from tests.factories import make_couple, make_user
from tests.test_today_cache import check_in
a, b = make_user("Avery"), make_user("Blake")
couple = make_couple(a, b)
revisions = [Couple.objects.get(pk=couple.pk).revision]
check_in(b)
revisions.append(Couple.objects.get(pk=couple.pk).revision)
stale = Couple.objects.get(pk=couple.pk); check_in(a); stale.save()
revisions.append(Couple.objects.get(pk=couple.pk).revision)
import json; print(json.dumps(revisions))
"""


def test_the_revision_moves_on_sqlite_too(tmp_path: Path):
    result = run(SQLITE_CHECK, {"DEBUG": "true"}, tmp_path)

    assert result.returncode == 0, result.stderr
    first, after_check_in, after_stale_save = json.loads(result.stdout.strip().splitlines()[-1])
    assert first < after_check_in < after_stale_save
