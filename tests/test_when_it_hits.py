"""'When it hits': help for the moment a trigger or an intrusive image hits, beside Pause on every
page. The quiet signal tells the partner only that it is a hard moment; the note is its writer's
alone, never shown to the partner, never stored readable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repair.couples import services
from repair.couples.models import Couple, HardMoment, User
from repair.program.models import AgreementVersion
from tests.conftest import client_for

URL = reverse("when_it_hits")
NOTE = "The red car outside the office again; my chest went tight"


def test_when_it_hits_sits_beside_pause_on_every_page(client_a: Client):
    for name in ("today", "program", "checkins:index", "rituals:index", "settings", "pause"):
        page = client_a.get(reverse(name)).text
        assert f'href="{URL}"' in page, name
        assert page.index(reverse("pause")) < page.index(URL) < page.index(reverse("quick_exit"))
    assert f'href="{URL}"' in Client().get(reverse("pause")).text


def test_it_grounds_first_gives_words_for_each_partner_and_works_signed_out():
    page = Client().get(URL)

    assert page.status_code == 200
    text = page.text
    assert text.index("come back to your body") < text.index("words for it")
    assert "It's not about tonight" in text
    assert "Don't defend or explain" in text
    assert "Send a quiet signal" not in text  # nobody to signal
    assert "A note for yourself" not in text
    assert "<script" not in text.split("</head>", 1)[1]  # all of it works without JavaScript


def test_a_signed_out_post_is_asked_to_sign_in_and_saves_nothing(db):
    response = Client().post(URL, {"action": "note", "note": NOTE})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not HardMoment.objects.exists()


def test_partner_a_sends_a_quiet_signal_and_partner_b_sees_only_that(
    client_a: Client, client_b: Client, partner_a: User
):
    client_a.post(URL, {"action": "note", "note": NOTE})
    sent = client_a.post(URL, {"action": "signal"}, follow=True)
    client_a.post(URL, {"action": "signal"})  # a double tap is one signal

    assert "Blake will see a quiet signal" in sent.text
    assert "Your quiet signal shows to Blake until" in sent.text
    assert HardMoment.objects.filter(signal=True).count() == 1
    today_b = client_b.get(reverse("today")).text
    assert "A quiet signal from Avery" in today_b
    assert "Avery is having a hard moment" in today_b
    assert "red car" not in today_b
    assert "A quiet signal from" not in client_a.get(reverse("today")).text


def test_a_signal_shows_for_two_hours_unless_taken_down_sooner(
    client_a: Client, client_b: Client, partner_a: User
):
    moment = services.hard_moment_signal(user=partner_a, now=timezone.now() - timedelta(hours=2))
    assert "A quiet signal" not in client_b.get(reverse("today")).text
    HardMoment.objects.filter(pk=moment.pk).update(created_at=timezone.now())
    assert "A quiet signal" in client_b.get(reverse("today")).text

    client_a.post(URL, {"action": "signal_end"})

    assert "A quiet signal" not in client_b.get(reverse("today")).text
    assert "Send a quiet signal" in client_a.get(URL).text


def test_the_outsider_never_sees_a_signal_or_a_note(
    client_a: Client, outsider: User, partner_a: User
):
    client_a.post(URL, {"action": "signal"})
    client_a.post(URL, {"action": "note", "note": NOTE})
    client = client_for(outsider)

    for name in ("today", "when_it_hits"):
        page = client.get(reverse(name)).text
        assert "A quiet signal" not in page
        assert "red car" not in page


def test_partner_b_never_sees_partner_as_note_anywhere(
    client_a: Client, client_b: Client, partner_a: User, partner_b: User
):
    client_a.post(URL, {"action": "note", "note": NOTE})

    assert "red car" in client_a.get(URL).text  # the writer's own earlier notes
    pages = [client_b.get(reverse(name)).text for name in ("today", "when_it_hits", "pause")]
    for fmt in ("json", "html"):
        pages.append(client_b.get(reverse("export_data"), {"format": fmt}).content.decode())
    for page in pages:
        assert "red car" not in page
    for fmt in ("json", "html"):  # their own download has it
        assert "red car" in client_a.get(reverse("export_data"), {"format": fmt}).content.decode()


def test_the_note_is_stored_encrypted(client_a: Client):
    client_a.post(URL, {"action": "note", "note": NOTE})

    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM repair_hardmoment")
        (stored,) = cursor.fetchone()
    assert stored.startswith("enc1:")
    assert "red car" not in stored
    assert HardMoment.objects.get().note == NOTE


def test_a_note_sent_twice_from_one_page_is_one_note(client_a: Client):
    page = client_a.get(URL).text
    key = page.split('name="once" value="', 1)[1].split('"', 1)[0]

    for _ in range(2):
        client_a.post(URL, {"action": "note", "note": NOTE, "once": key})

    assert HardMoment.objects.count() == 1


def test_an_empty_or_too_long_note_is_refused_kindly_and_the_words_come_back(client_a: Client):
    empty = client_a.post(URL, {"action": "note", "note": "   "})
    long = client_a.post(URL, {"action": "note", "note": "a" * 4001})

    assert empty.status_code == 200
    assert "There&#x27;s nothing written yet" in empty.text
    assert long.status_code == 200
    assert "Please keep one note under 4000 characters" in long.text
    assert "a" * 4001 in long.text
    assert not HardMoment.objects.exists()


def test_the_couples_own_pause_plan_shows_once_agreed(
    couple: Couple, client_a: Client, partner_a: User
):
    assert "Your pause plan" not in client_a.get(URL).text
    AgreementVersion.objects.create(
        couple=couple,
        exercise="safety-pause-plan",
        number=1,
        text="Our word is 'harbour'.",
        proposed_by=partner_a,
        in_force_at=timezone.now(),
        review_on=timezone.localdate() + timedelta(days=30),
    )

    page = client_a.get(URL).text

    assert "Your pause plan" in page
    assert "harbour" in page


@pytest.mark.django_db
def test_a_person_without_a_partner_can_keep_a_note_but_has_no_one_to_signal(
    partner_a: User,
):
    client = client_for(partner_a)
    page = client.get(URL).text
    client.post(URL, {"action": "note", "note": NOTE})
    client.post(URL, {"action": "signal"})

    assert "Send a quiet signal" not in page
    assert HardMoment.objects.filter(user=partner_a, signal=False).count() == 1
    assert not HardMoment.objects.filter(signal=True).exists()
