"""Each partner's own track: the track a person is offered follows the roles both agreed, what they
write in it is theirs alone (encrypted at rest, in their own download, never on any page, email,
download or admin page of the partner's), and the partner cannot even tell which track they have
or whether they have opened it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from repair.couples import services as couple_services
from repair.couples.models import Couple, User
from repair.program import services, track
from repair.program.models import TrackEntry
from repair.program.track_content import TrackExercise, tracks
from tests.conftest import client_for
from tests.factories import couple_view as view

pytestmark = pytest.mark.django_db

A_TRACK_WORDS = "avery-own-track-words-hawthorn"
B_TRACK_WORDS = "blake-own-track-words-kestrel"


def agree(a: User, b: User, kind: str, hurt: User | None) -> None:
    services.roles_propose(couple=view(a), kind=kind, hurt=hurt)
    services.roles_propose(couple=view(b), kind=kind, hurt=hurt)


def track_url(exercise: TrackExercise) -> str:
    return reverse("program_track_exercise", kwargs={"exercise_slug": exercise.slug})


def roles_of(user: User) -> list[str]:
    return [section.track.role for section in track.track_page(couple=view(user)).sections]


def write(client: Client, exercise: TrackExercise, text: str) -> None:
    response = client.post(track_url(exercise), {"action": "save", "text": text})
    assert response.status_code == 302, response.status_code


def strip_tokens(page: str) -> str:
    """The page without its CSRF tokens and nonces, which change on every request."""
    return re.sub(r"[A-Za-z0-9+/=_-]{32,}", "", page)


# --- which track --------------------------------------------------------------------------------


def test_before_roles_are_agreed_each_partner_has_the_neutral_track(
    couple: Couple, partner_a: User, partner_b: User
):
    assert roles_of(partner_a) == roles_of(partner_b) == ["neutral"]


def test_one_hurt_gives_the_hurt_partner_and_the_involved_partner_their_own_tracks(
    couple: Couple, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)

    assert roles_of(partner_a) == ["hurt"]
    assert roles_of(partner_b) == ["involved"]


def test_both_hurt_gives_each_partner_both_tracks(couple: Couple, partner_a: User, partner_b: User):
    agree(partner_a, partner_b, "both_hurt", partner_b)

    assert roles_of(partner_a) == roles_of(partner_b) == ["hurt", "involved"]


def test_we_would_rather_not_say_gives_each_partner_the_neutral_track(
    couple: Couple, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "neutral", None)

    assert roles_of(partner_a) == roles_of(partner_b) == ["neutral"]


def test_the_program_page_offers_each_person_their_own_track(
    couple: Couple, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)

    page_a = client_for(partner_a).get(reverse("program")).text
    page_b = client_for(partner_b).get(reverse("program")).text

    assert reverse("program_track") in page_a
    assert reverse("program_track") in page_b
    assert tracks().for_role("hurt").title in page_a
    assert tracks().for_role("involved").title not in page_a
    assert tracks().for_role("involved").title in page_b
    assert tracks().for_role("hurt").title not in page_b


# --- writing in it --------------------------------------------------------------------------------


def test_the_hurt_partner_writes_and_reads_back_their_own_words(
    couple: Couple, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    client = client_for(partner_a)
    first = tracks().for_role("hurt").exercises[0]

    write(client, first, A_TRACK_WORDS)

    assert A_TRACK_WORDS in client.get(track_url(first)).text
    listing = client.get(reverse("program_track")).text
    assert "written" in listing
    # A second save replaces the words; nothing else of theirs is made.
    write(client, first, "second thoughts, plainly")
    assert TrackEntry.objects.get(user=partner_a, exercise=first.slug).text == (
        "second thoughts, plainly"
    )


def test_private_track_words_are_encrypted_at_rest(couple: Couple, partner_a: User):
    first = tracks().for_role("neutral").exercises[0]
    track.track_entry_save(user=partner_a, exercise=first, text=A_TRACK_WORDS)

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM program_trackentry")
        stored = [row[0] for row in cursor.fetchall()]

    assert stored
    assert all(A_TRACK_WORDS not in value for value in stored)


def test_an_empty_or_overlong_answer_is_refused_kindly_and_keeps_what_was_typed(
    couple: Couple, partner_a: User
):
    client = client_for(partner_a)
    first = tracks().for_role("neutral").exercises[0]

    empty = client.post(track_url(first), {"action": "save", "text": "   "})
    assert empty.status_code == 200
    assert "nothing written yet" in empty.text

    long = "kept words " * 2001
    too_long = client.post(track_url(first), {"action": "save", "text": long})
    assert too_long.status_code == 200
    assert "longer than we can keep" in too_long.text
    assert long.strip() in too_long.text
    assert not TrackEntry.objects.filter(user=partner_a).exists()


def test_deleting_an_answer_removes_it(couple: Couple, partner_a: User):
    client = client_for(partner_a)
    first = tracks().for_role("neutral").exercises[0]
    write(client, first, A_TRACK_WORDS)

    response = client.post(track_url(first), {"action": "delete"})

    assert response.status_code == 302
    assert not TrackEntry.objects.filter(user=partner_a).exists()
    assert A_TRACK_WORDS not in client.get(track_url(first)).text


def test_words_written_before_the_roles_changed_stay_reachable(
    couple: Couple, partner_a: User, partner_b: User
):
    client = client_for(partner_a)
    neutral_first = tracks().for_role("neutral").exercises[0]
    write(client, neutral_first, A_TRACK_WORDS)

    agree(partner_a, partner_b, "one_hurt", partner_a)

    listing = client.get(reverse("program_track")).text
    assert neutral_first.title in listing
    assert A_TRACK_WORDS in client.get(track_url(neutral_first)).text
    # A neutral exercise never written in is not theirs any more.
    unwritten = tracks().for_role("neutral").exercises[1]
    assert client.get(track_url(unwritten)).status_code == 404


def test_the_track_page_costs_the_same_queries_however_much_is_written(
    couple: Couple, partner_a: User, partner_b: User, django_assert_max_num_queries
):
    agree(partner_a, partner_b, "both_hurt", partner_a)
    client = client_for(partner_a)
    client.get(reverse("program_track"))
    with django_assert_max_num_queries(12) as before:
        client.get(reverse("program_track"))
    before_count = len(before.captured_queries)
    for exercise in tracks().exercises:
        track.track_entry_save(user=partner_a, exercise=exercise, text="some words")
    with django_assert_max_num_queries(12) as after:
        client.get(reverse("program_track"))

    assert len(after.captured_queries) == before_count


# --- never shown to the partner ---------------------------------------------------------------


def test_partner_b_gets_404_for_partner_as_track_items(
    couple: Couple, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    write(client_for(partner_a), tracks().for_role("hurt").exercises[0], A_TRACK_WORDS)
    client_b = client_for(partner_b)

    for exercise in tracks().for_role("hurt").exercises:
        assert client_b.get(track_url(exercise)).status_code == 404
        response = client_b.post(track_url(exercise), {"action": "save", "text": "mine"})
        assert response.status_code == 404
    assert not TrackEntry.objects.filter(user=partner_b).exists()


def test_in_the_same_track_each_partner_sees_only_their_own_answer(
    couple: Couple, partner_a: User, partner_b: User
):
    first = tracks().for_role("neutral").exercises[0]
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    write(client_a, first, A_TRACK_WORDS)
    write(client_b, first, B_TRACK_WORDS)

    page_a, page_b = client_a.get(track_url(first)).text, client_b.get(track_url(first)).text

    assert A_TRACK_WORDS in page_a
    assert B_TRACK_WORDS not in page_a
    assert B_TRACK_WORDS in page_b
    assert A_TRACK_WORDS not in page_b


def test_the_hurt_partners_track_never_reaches_the_other_partners_pages(
    couple: Couple, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    client_b = client_for(partner_b)
    hurt = tracks().for_role("hurt")
    partner_pages = [
        reverse("program"),
        reverse("today"),
        reverse("program_track"),
        *[track_url(e) for e in tracks().for_role("involved").exercises],
    ]
    before = {url: strip_tokens(client_b.get(url).text) for url in partner_pages}

    client_a = client_for(partner_a)
    for exercise in hurt.exercises:
        write(client_a, exercise, f"{A_TRACK_WORDS} {exercise.slug}")

    for url in partner_pages:
        page = client_b.get(url)
        assert page.status_code == 200, url
        text = page.text
        assert A_TRACK_WORDS not in text, url
        assert hurt.title not in text, url
        for exercise in hurt.exercises:
            assert exercise.prompt not in text, (url, exercise.slug)
            assert exercise.slug not in text, (url, exercise.slug)
        # Nothing on the partner's own pages changes when the other writes: not a count, not a date.
        assert strip_tokens(text) == before[url], url


def test_track_words_reach_the_authors_download_and_never_the_partners_or_an_email(
    couple: Couple, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    hurt_first = tracks().for_role("hurt").exercises[0]
    write(client_for(partner_a), hurt_first, A_TRACK_WORDS)

    for fmt in ("json", "html"):
        mine = client_for(partner_a).get(reverse("export_data"), {"format": fmt}).content.decode()
        theirs = client_for(partner_b).get(reverse("export_data"), {"format": fmt})
        assert A_TRACK_WORDS in mine, fmt
        assert hurt_first.title in mine, fmt
        assert A_TRACK_WORDS not in theirs.content.decode(), fmt
        assert hurt_first.title not in theirs.content.decode(), fmt
    for message in mail.outbox:
        assert A_TRACK_WORDS not in f"{message.subject} {message.body}"


def test_track_words_stay_with_the_person_after_they_leave_the_couple(
    couple: Couple, partner_a: User, partner_b: User
):
    write(client_for(partner_a), tracks().for_role("neutral").exercises[0], A_TRACK_WORDS)

    couple_services.couple_leave(user=partner_a)

    mine = client_for(partner_a).get(reverse("export_data"), {"format": "json"}).text
    assert A_TRACK_WORDS in mine
    assert A_TRACK_WORDS not in client_for(partner_b).get(reverse("export_data")).text
