"""Every account page and email (allauth's screens) speaks in the product's voice and layout: none of
the library's own wording, our field markup, no list of password rules; and the emailed-code page
never dead-ends (a new code on request, an expired code answered with a new one)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import allauth
import pytest
import time_machine
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.http import int_to_base36

from repair.couples import services
from tests.conftest import client_for
from tests.factories import make_couple, make_user

# The library's own words: none may reach a page or an email.
LIBRARY_WORDING = (
    "Please Confirm Your Email Address",
    "given your email address to register",
    "localhost",
    "Hello from",
    "Thank you for using",
    "receiving this email",
    "receiving this mail",
    "Password Reset Email",
    "Enter Email Verification Code",
    "Request new code",
    "Make Primary",
    "Re-send Verification",
    "Are you sure you want to sign out",
    "Bad Token",
    "Confirm Access",
    "Remember Me",
    "Current Password",
    "(again)",
    "Reset My Password",
    "Please contact us",
    "contact us if",
    "Successfully signed in",
    "Incorrect code",
    "Sign Up Closed",
    "Account Inactive",
    "Forgotten your password?",
    "Email Addresses",
    "Verify Your Email Address",
    "Unknown Account",
    "Account Already Exists",
    "Invalid or expired key",
    "Be patient",
    "can’t be too similar",
    'class="helptext"',
    'placeholder="',
    "Your primary email address",
)
PASSWORD = "a-calm-long-password-7"


def assert_our_voice(text: str, where: str) -> None:
    found = [phrase for phrase in LIBRARY_WORDING if phrase.lower() in text.lower()]
    assert not found, f"{where}: library wording {found}"


def assert_our_page(response: Any, where: str) -> None:
    assert response.status_code == 200, (where, response.status_code)
    html = response.text
    assert 'class="topbar"' in html, f"{where}: not in our layout"
    assert '<meta name="description"' in html, where
    assert "<ul>" not in html.split('id="main"', 1)[1], f"{where}: a list dumped into a form"
    assert_our_voice(html, where)


def sign_up(client: Client, email: str = "nora@example.com") -> Any:
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": PASSWORD,
            "display_name": "Nora",
            "time_zone": "America/New_York",
        },
    )


def emailed_code(message: Any) -> str:
    found = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", str(message.body), re.MULTILINE)
    assert found, message.body
    return found.group(1)


@pytest.mark.django_db
def test_signed_out_account_pages_are_in_our_voice(settings: Any):
    avery = make_user("Avery")
    anonymous = Client()
    for name in ("account_login", "account_signup", "account_reset_password"):
        assert_our_page(anonymous.get(reverse(name)), name)
    assert_our_page(anonymous.get(reverse("account_reset_password_done")), "reset done")
    assert_our_page(anonymous.get(reverse("account_reset_password_from_key_done")), "key done")
    bad = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "nope-0"})
    assert_our_page(anonymous.get(bad, follow=True), "bad reset link")
    key = default_token_generator.make_token(avery)
    good = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": int_to_base36(avery.pk), "key": key},
    )
    assert_our_page(anonymous.get(good, follow=True), "reset link")
    # Wrong details and a sign-up for an address that has an account: kind words, ours.
    wrong = anonymous.post(reverse("account_login"), {"login": avery.email, "password": "no"})
    assert_our_page(wrong, "wrong password")
    assert "don't match" in unescape(wrong.text)
    settings.SIGNUPS_OPEN = False
    assert_our_page(anonymous.get(reverse("account_signup")), "sign-up closed")


@pytest.mark.django_db
def test_signed_in_account_pages_are_in_our_voice():
    avery = make_user("Avery")
    client = client_for(avery)
    for name in ("account_email", "account_change_password", "account_logout"):
        assert_our_page(client.get(reverse(name)), name)
    assert_our_page(client.get(reverse("account_reauthenticate")), "reauthenticate")
    # Someone without a password yet is offered to set one.
    avery.set_unusable_password()
    avery.save()
    assert_our_page(client_for(avery).get(reverse("account_set_password")), "set password")


@pytest.mark.django_db
def test_the_code_page_and_its_email_are_in_our_voice_and_say_how_long_a_code_lasts():
    client = Client()
    sign_up(client)

    page = client.get(reverse("account_email_verification_sent"))

    assert_our_page(page, "code page")
    assert f"It works for {settings.EMAIL_CODE_MINUTES} minutes" in page.text
    assert 'value="resend"' in page.text  # a working "send a new code" button
    [message] = mail.outbox
    assert_our_voice(f"{message.subject}\n{message.body}", "code email")
    assert isinstance(message, EmailMultiAlternatives)
    [(html, _)] = message.alternatives
    assert_our_voice(str(html), "code email (HTML)")
    assert emailed_code(message) in str(html)
    assert f"{settings.EMAIL_CODE_MINUTES} minutes" in str(message.body)


@pytest.mark.django_db
def test_send_a_new_code_sends_one_that_works_and_the_old_one_no_longer_does():
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_up(client)
        first = emailed_code(mail.outbox[0])
        clock.shift(61)

        resent = client.post(reverse("account_email_verification_sent"), {"action": "resend"})

        assert resent.status_code == 302
        assert len(mail.outbox) == 2
        second = emailed_code(mail.outbox[1])
        assert second != first
        refused = client.post(reverse("account_email_verification_sent"), {"code": first})
        assert refused.status_code == 200
        assert "doesn't match" in unescape(refused.text)
        confirmed = client.post(reverse("account_email_verification_sent"), {"code": second})
        assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="nora@example.com").verified


@pytest.mark.django_db
def test_asking_again_within_a_minute_says_to_wait_and_keeps_the_code():
    client = Client()
    sign_up(client)
    code = emailed_code(mail.outbox[0])

    again = client.post(
        reverse("account_email_verification_sent"), {"action": "resend"}, follow=True
    )

    assert_our_page(again, "resend too soon")
    assert "less than a minute ago" in again.text
    assert len(mail.outbox) == 1
    confirmed = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert confirmed.status_code == 302


@pytest.mark.django_db
def test_an_expired_code_brings_a_new_one_instead_of_a_dead_end():
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        sign_up(client)
        old = emailed_code(mail.outbox[0])
        clock.shift(settings.EMAIL_CODE_MINUTES * 60 + 1)

        page = client.get(reverse("account_email_verification_sent"))
        assert_our_page(page, "expired code page")
        assert "has run out" in page.text
        assert "Send me a new code" in page.text

        typed = client.post(reverse("account_email_verification_sent"), {"code": old}, follow=True)

        assert_our_page(typed, "expired code typed")
        assert "sent you a new one" in typed.text
        assert len(mail.outbox) == 2
        new = emailed_code(mail.outbox[1])
        clock.shift(settings.EMAIL_CODE_MINUTES * 60 - 5)  # the new code gets the full time
        confirmed = client.post(reverse("account_email_verification_sent"), {"code": new})
        assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="nora@example.com").verified


@pytest.mark.django_db
def test_an_invited_partners_email_is_filled_in_at_sign_up():
    avery = make_user("Avery")
    couple = make_couple(avery)
    new = services.invite_create(couple=couple, created_by=avery, email="blake@example.com")
    client = Client()
    client.get(reverse("invite_accept", kwargs={"token": new.token}))

    page = client.get(reverse("account_signup"))

    assert 'value="blake@example.com"' in page.text


@pytest.mark.django_db
def test_every_account_email_is_in_our_voice():
    """Each email allauth can send, rendered through our adapter: subject, text and HTML."""
    folder = Path(allauth.__file__).parent / "templates/account/email"
    prefixes = sorted(p.name.removesuffix("_subject.txt") for p in folder.glob("*_subject.txt"))
    request = RequestFactory().get("/")
    context = {
        "code": "BCDF-GHJK",
        "email": "nora@example.com",
        "password_reset_url": "http://testserver/reset",
        "signup_url": "http://testserver/signup",
        "activate_url": "http://testserver/activate",
        "from_email": "old@example.com",
        "to_email": "new@example.com",
        "deleted_email": "old@example.com",
        "ip": "203.0.113.5",
        "user_agent": "Firefox",
        "timestamp": timezone.now(),
        "request": request,
        "site_name": settings.SITE_NAME,
        "code_minutes": settings.EMAIL_CODE_MINUTES,
    }
    assert len(prefixes) >= 13, prefixes
    for prefix in prefixes:
        message = get_adapter().render_mail(f"account/email/{prefix}", "nora@example.com", context)
        assert isinstance(message, EmailMultiAlternatives), prefix
        html = "".join(str(content) for content, _ in message.alternatives)
        assert html, f"{prefix}: no HTML part"
        assert_our_voice(f"{message.subject}\n{message.body}\n{html}", prefix)
        assert "With care" in str(message.body), prefix
        assert "203.0.113.5" not in str(message.body) + html, prefix  # no addresses or devices


def test_the_verified_email_required_page_is_in_our_voice(rf: RequestFactory):
    html = render_to_string("account/verified_email_required.html", {"site_name": "Mend"})
    assert_our_voice(html, "verified email required")
