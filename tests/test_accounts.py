"""Accounts through allauth: sign-up with a name and time zone, email codes, rate limits, the outbox."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from repair.couples import emails, services
from repair.couples.models import User
from tests.conftest import client_for


def sign_up(client: Client, **fields: str):
    data = {
        "email": "nora@example.com",
        "password1": "a-calm-long-password-7",
        "display_name": "Nora",
        "time_zone": "America/New_York",
        **fields,
    }
    return client.post(reverse("account_signup"), data)


@pytest.mark.django_db
def test_sign_up_saves_name_and_time_zone_and_asks_for_the_emailed_code():
    client = Client()

    response = sign_up(client)

    assert response.status_code == 302
    user = User.objects.get(email="nora@example.com")
    assert (user.display_name, user.time_zone) == ("Nora", "America/New_York")
    assert len(mail.outbox) == 1
    body = str(mail.outbox[0].body)
    assert "Mend" in body
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", body, re.MULTILINE)
    assert code, body

    confirmed = client.post(reverse("account_email_verification_sent"), {"code": code.group(1)})

    assert confirmed.status_code == 302
    assert client.get(reverse("today")).status_code == 302  # signed in: on to "start"
    # A new person meets the private safety check before any couple work.
    assert client.get(reverse("start"))["Location"] == f"{reverse('safety_check')}?next=/start/"


@pytest.mark.django_db
def test_sign_up_without_a_name_is_explained_and_keeps_what_was_typed():
    response = sign_up(Client(), display_name="")

    assert response.status_code == 200
    assert "Please tell us a name to show" in response.text
    assert 'value="nora@example.com"' in response.text
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["=?utf-8?q?Eve=0D=0ABcc:_x@y?=", "Eve\r\nBcc: x@y", "Eve\u202eyrevA", "Av\u200bery"]
)
def test_sign_up_with_special_characters_in_the_name_is_refused_kindly_and_keeps_the_rest(
    name: str,
):
    response = sign_up(Client(), display_name=name)

    assert response.status_code == 200
    assert "Please use letters, spaces and ordinary punctuation in your name" in response.text
    assert 'value="nora@example.com"' in response.text
    assert '<option value="America/New_York" selected>' in response.text
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_sign_up_stores_a_name_composed():
    sign_up(Client(), display_name=" Zoe\u0308 ")

    assert User.objects.get().display_name == "Zoë"


@pytest.mark.django_db
def test_sign_up_with_a_made_up_time_zone_is_refused_kindly():
    response = sign_up(Client(), time_zone="Atlantis/Capital")

    assert response.status_code == 200
    assert "Please pick your time zone from the list." in response.text


@pytest.mark.django_db
def test_unverified_person_cannot_sign_in_without_the_code():
    sign_up(Client())

    client = Client()
    client.post(
        reverse("account_login"),
        {"login": "nora@example.com", "password": "a-calm-long-password-7"},
    )

    response = client.get(reverse("settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_repeated_wrong_passwords_are_rate_limited_on_the_shared_cache(partner_a: User):
    client = Client()
    pages = [
        client.post(reverse("account_login"), {"login": partner_a.email, "password": "wrong"}).text
        for _ in range(7)
    ]
    assert "signing in from here is paused" not in pages[0]
    assert "signing in from here is paused" in pages[-1]
    # Even the right password waits now, from this address: the pause is on guessing, not on luck.
    # (Other addresses are not paused: tests/test_sign_in_limits.py.)
    right = client.post(
        reverse("account_login"), {"login": partner_a.email, "password": "a-long-test-password-41"}
    )
    assert "signing in from here is paused" in right.text


def test_password_reset_sends_a_link_without_revealing_whether_the_account_exists(partner_a: User):
    known = Client().post(reverse("account_reset_password"), {"email": partner_a.email})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    to_known = [m for m in mail.outbox if partner_a.email in m.to]
    assert len(to_known) == 1
    assert "/accounts/password/reset/key/" in to_known[0].body


def test_when_the_mail_server_is_down_the_invite_link_is_offered_to_copy(partner_a: User, settings):
    services.couple_create(user=partner_a)
    # A real SMTP connection to a port where nothing listens.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }

    response = client_for(partner_a).post(
        reverse("invite"), {"how": "email", "email": "blake@example.com"}
    )

    assert response.status_code == 200
    assert (
        "We couldn&#x27;t send the email just now" in response.text
        or "We couldn't send the email just now" in response.text
    )
    assert response.context["new_invite"].url in response.text


def local_outbox(settings, tmp_path: Path) -> None:
    settings.DEBUG = True
    settings.EMAIL_OUTBOX_DIR = tmp_path
    settings.MAILERS = {"default": {"BACKEND": "repair.lib.mail.OutboxBackend"}}
    emails.send_invite(to="blake@example.com", inviter_name="Avery", url="http://x/invite/abc/")


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1"])
def test_the_local_outbox_shows_sent_emails_in_development(settings, tmp_path: Path, address: str):
    local_outbox(settings, tmp_path)

    response = Client(REMOTE_ADDR=address).get(reverse("outbox"))

    assert response.status_code == 200
    assert "An invitation for you" in response.text
    assert "Avery has invited you" in response.text
    assert "http://x/invite/abc/" in response.text
    assert len(list(tmp_path.glob("*.eml"))) == 1


@pytest.mark.parametrize("address", ["192.168.1.20", "10.0.0.7", "2001:db8::5", "", "unknown"])
def test_the_outbox_is_not_shown_to_another_machine_even_under_debug(
    settings, tmp_path: Path, address: str
):
    local_outbox(settings, tmp_path)

    response = Client(REMOTE_ADDR=address).get(reverse("outbox"))

    assert response.status_code == 404
    assert "http://x/invite/abc/" not in response.text
    assert "Quick exit" in response.text  # the app's own 404, not Django's debug page


def test_a_forwarded_for_header_does_not_make_a_request_local(settings, tmp_path: Path):
    local_outbox(settings, tmp_path)
    client = Client(REMOTE_ADDR="203.0.113.9")

    response = client.get(
        reverse("outbox"), HTTP_X_FORWARDED_FOR="127.0.0.1", HTTP_X_REAL_IP="127.0.0.1"
    )

    assert response.status_code == 404
    assert "http://x/invite/abc/" not in response.text


def test_the_outbox_does_not_exist_in_production(settings, tmp_path: Path):
    local_outbox(settings, tmp_path)
    settings.DEBUG = False

    response = Client(REMOTE_ADDR="127.0.0.1").get(reverse("outbox"))

    assert response.status_code == 404
    assert "http://x/invite/abc/" not in response.text
