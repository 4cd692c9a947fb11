"""Sessions lapse after inactivity and are renewed by use; and on a device two people share, nothing
private stays in the browser after signing out or Quick exit."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repair.couples.models import User
from repair.program.content import program
from tests.conftest import client_for


def test_using_the_app_renews_the_session(partner_a: User, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = client_for(partner_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(reverse("settings"))
    first = Session.objects.get().expire_date

    with time_machine.travel(start + timedelta(days=3), tick=False):
        client.get(reverse("settings"))

    assert Session.objects.get().expire_date >= first + timedelta(days=3) - timedelta(seconds=1)


def test_a_session_left_alone_longer_than_its_age_has_expired(partner_a: User, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = client_for(partner_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(reverse("settings"))

    with time_machine.travel(
        start + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60), tick=False
    ):
        response = client.get(reverse("settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- one device, two people: nothing private stays in the browser ---------------------------------

HTMX = {"HX-Request": "true"}


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_response_to_a_signed_in_person_says_no_store(couple, partner_a: User):
    client = client_for(partner_a)
    reveal = next(e for e in program().stages[0].exercises if e.type == "reveal")
    reveal_url = reverse("program_exercise", args=[reveal.stage, reveal.slug])
    responses = {
        "today": client.get(reverse("today")),
        "check-ins": client.get(reverse("checkins:index")),
        "history": client.get(reverse("checkins:history")),
        "export": client.get(reverse("checkins:export", kwargs={"fmt": "json"})),
        "calendar": client.get(reverse("rituals:calendar")),
        "settings": client.get(reverse("settings")),
        "support (public)": client.get(reverse("resources")),
        "reveal": client.get(reveal_url),
        "reveal fragment (htmx polling)": client.get(reveal_url, headers=HTMX),
        "check-in fragment (htmx save)": client.post(
            reverse("checkins:index"), {"visibility": "private", "helped": "Words"}, headers=HTMX
        ),
        "note fragment (htmx, refused)": client.post(
            reverse("rituals:note_send"), {}, headers=HTMX
        ),
        "settings fragment (htmx)": client.post(reverse("settings"), {}, headers=HTMX),
        "a redirect": client.get(reverse("start")),
        "a 404": client.get("/no-such-page/"),
    }

    for name, response in responses.items():
        assert response.status_code < 500, name
        assert no_store(response), (name, response.get("Cache-Control"))


def test_signed_out_public_pages_keep_their_own_caching(client):
    support = client.get(reverse("resources"))
    pause = client.get(reverse("pause"))
    unsubscribe = client.get(reverse("unsubscribe", kwargs={"token": "forged"}))

    assert not no_store(support)
    assert not no_store(pause)
    assert not no_store(unsubscribe)
    assert unsubscribe.status_code == 404  # as before: a kind 404 for a forged link
    assert "Clear-Site-Data" not in support


def test_static_files_are_served_as_before_to_a_signed_in_person(partner_a: User, settings):
    # As `make run` serves them (no collectstatic in the tests); read when the client starts.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client_for(partner_a).get("/static/js/app.js")

    assert response.status_code == 200
    assert not no_store(response)
    response.close()  # a file response: closes the file (unclosed files are errors here)


def test_signing_out_asks_the_browser_to_forget_its_cache_and_storage(partner_a: User):
    client = client_for(partner_a)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert no_store(response)
    assert client.get(reverse("today"))["Location"].startswith(reverse("account_login"))


def test_quick_exit_ends_the_session_on_the_server_and_goes_to_the_neutral_page(
    partner_a: User, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.QUICK_EXIT_URL = "https://weather.example/today"
    client = client_for(partner_a)
    assert Session.objects.count() == 1

    response = client.get(reverse("quick_exit"))

    assert response.status_code == 302
    assert response["Location"] == "https://weather.example/today"
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert no_store(response)
    assert Session.objects.count() == 0
    reopened = client.get(reverse("today"))
    assert reopened.status_code == 302
    assert reopened["Location"].startswith(reverse("account_login"))


def test_quick_exit_works_for_someone_not_signed_in(client, settings):
    settings.QUICK_EXIT_URL = "https://weather.example/today"

    response = client.get(reverse("quick_exit"))

    assert response.status_code == 302
    assert response["Location"] == "https://weather.example/today"
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_an_htmx_request_after_the_session_ended_goes_to_the_sign_in_page_as_a_whole_page(
    couple, partner_a: User, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = client_for(partner_a)
    Session.objects.all().delete()

    response = client.post(reverse("checkins:index"), {"helped": "Words"}, headers=HTMX)

    # Not a redirect htmx would follow and swap the sign-in page into the check-in card.
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next=/checkins/"
    assert response.content == b""


def test_a_plain_request_after_the_session_ended_is_redirected_as_before(partner_a: User, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = client_for(partner_a)
    Session.objects.all().delete()

    response = client.post(reverse("checkins:index"), {"helped": "Words"})

    assert response.status_code == 302
    assert "HX-Redirect" not in response


def test_pages_name_the_signed_in_person_for_drafts_by_an_opaque_id_only(
    couple, partner_a: User, partner_b: User
):
    page_a = client_for(partner_a).get(reverse("checkins:index")).text
    again_a = client_for(partner_a).get(reverse("settings")).text
    page_b = client_for(partner_b).get(reverse("checkins:index")).text
    signed_out = Client().get(reverse("account_login")).text

    owner_a = re.search(r'data-draft-owner="([0-9a-f]{32})"', page_a)
    owner_b = re.search(r'data-draft-owner="([0-9a-f]{32})"', page_b)
    assert owner_a
    assert owner_b
    assert owner_a[1] != owner_b[1]
    assert f'data-draft-owner="{owner_a[1]}"' in again_a  # the same person, the same id
    assert "data-draft-owner" not in signed_out
    for leak in (str(partner_a.pk), partner_a.email, partner_a.display_name):
        assert leak not in owner_a[1]
    assert 'data-draft-key="checkin-helped"' in page_a
