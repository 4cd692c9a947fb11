"""Our own 404 page under DEBUG too (``make run``): never Django's debug page, which lists every URL
pattern and has no Quick exit or Pause. Pages that answer 404 or 410 on purpose keep their own."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from repair.couples.models import User

DEBUG_PAGE_SIGNS = (
    "Using the URLconf",
    "invite/&lt;str:token&gt;/",
    "technical_404",
    "urlpatterns",
)


def assert_our_own_404(text: str) -> None:
    assert "We can&#x27;t find that page" in text or "We can't find that page" in text
    assert "Quick exit" in text
    assert 'href="/pause/"' in text
    for sign in DEBUG_PAGE_SIGNS:
        assert sign not in text, sign


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_address_gets_our_page_with_quick_exit(settings, debug: bool):
    settings.DEBUG = debug

    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert_our_own_404(response.text)
    assert "Content-Security-Policy" in response.headers  # the nonce and policy of every page


@pytest.mark.parametrize("debug", [True, False])
def test_a_views_own_not_found_gets_our_page_too(settings, client_a: Client, debug: bool):
    settings.DEBUG = debug

    response = client_a.get(reverse("rituals:schedule", args=["no-such-ritual"]))

    assert response.status_code == 404
    assert_our_own_404(response.text)


def test_a_signed_in_person_sees_our_page_under_debug(settings, partner_a: User):
    settings.DEBUG = True
    client = Client()
    client.force_login(partner_a)

    response = client.get("/checkins/no-such-page/")

    assert response.status_code == 404
    assert_our_own_404(response.text)


@pytest.mark.django_db
def test_the_invite_pages_keep_their_own_explanation_under_debug(settings):
    settings.DEBUG = True

    response = Client().get(reverse("invite_accept", kwargs={"token": "not-a-real-token"}))

    assert response.status_code == 404
    assert "This invite link doesn" in response.text
    assert "Quick exit" in response.text


def test_a_missing_slash_is_still_added_under_debug(settings, partner_a: User):
    settings.DEBUG = True

    response = Client().get("/settings")

    assert response.status_code == 301
    assert response["Location"] == "/settings/"
