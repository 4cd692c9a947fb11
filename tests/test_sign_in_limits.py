"""Sign-in and invite-link limits: guessing is slowed and bounded, and nobody who knows a person's
email address (or shares their network) can lock that person out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse

from repair.couples import services
from repair.couples.models import User
from repair.lib import signin_limits
from tests.factories import PASSWORD, make_user

if TYPE_CHECKING:
    # The test client's response type exists only in django-stubs.
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

# Documentation address ranges (RFC 5737), never real hosts.
HOME = "198.51.100.20"
ATTACKER = "203.0.113.9"
# Just after an hour starts, so the hourly per-address window does not roll over mid-test.
START = datetime(2026, 3, 2, 9, 1, tzinfo=UTC)
PAUSED_HERE = "signing in from here is paused"
PAUSED_NETWORK = "Many sign-ins from this network"
PAUSED_ACCOUNT = "Signing in with a password to this email address is paused"
WRONG = "password don&#x27;t match an account"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    # Time moves only when a test moves it; allauth's own per-address limit on sign-in posts
    # (30 a minute) reads the same clock.
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def sign_in(
    email: str, password: str, *, address: str, clock: time_machine.Traveller, **headers: str
) -> Response:
    clock.shift(timedelta(seconds=3))
    client = Client(headers=headers, REMOTE_ADDR=address)
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(response: Response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def form_errors(response: Response) -> list[str]:
    return list(response.context["form"].non_field_errors())


def fail_times(
    email: str, *, address: str, times: int, clock: time_machine.Traveller
) -> list[Response]:
    return [sign_in(email, f"guess-{n}", address=address, clock=clock) for n in range(times)]


def test_failures_from_an_attackers_address_never_stop_the_owner_signing_in_from_another(
    partner_a: User, clock: time_machine.Traveller
):
    pages = fail_times(partner_a.email, address=ATTACKER, times=20, clock=clock)
    assert all(not signed_in(page) for page in pages)
    assert PAUSED_HERE in pages[-1].text

    # The attacker's own pair waits even with the right password...
    assert not signed_in(sign_in(partner_a.email, PASSWORD, address=ATTACKER, clock=clock))
    # ...while the owner, from home, walks straight in.
    assert signed_in(sign_in(partner_a.email, PASSWORD, address=HOME, clock=clock))


def test_the_guessing_pair_waits_longer_after_each_wrong_password(
    partner_a: User, clock: time_machine.Traveller
):
    free = fail_times(partner_a.email, address=ATTACKER, times=5, clock=clock)
    assert all(WRONG in page.text and PAUSED_HERE not in page.text for page in free)

    def paused_page() -> Response:
        page = sign_in(partner_a.email, "another-guess", address=ATTACKER, clock=clock)
        assert PAUSED_HERE in page.text
        return page

    assert "about 1 minute." in paused_page().text
    clock.shift(timedelta(minutes=1))
    assert (
        PAUSED_HERE
        not in fail_times(partner_a.email, address=ATTACKER, times=1, clock=clock)[0].text
    )
    assert "about 2 minutes." in paused_page().text
    clock.shift(timedelta(minutes=2))
    fail_times(partner_a.email, address=ATTACKER, times=1, clock=clock)
    assert "about 4 minutes." in paused_page().text
    # The right password waits too: guessing it during a pause must not be possible.
    assert not signed_in(sign_in(partner_a.email, PASSWORD, address=ATTACKER, clock=clock))
    clock.shift(timedelta(minutes=4))
    assert signed_in(sign_in(partner_a.email, PASSWORD, address=ATTACKER, clock=clock))


def test_the_wait_doubles_and_stops_growing_at_an_hour():
    waits = [signin_limits.wait_after(tries=n) for n in range(1, 13)]

    assert waits[:4] == [timedelta(0)] * 4
    assert waits[4:8] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(hours=1)
    assert signin_limits.wait_after(tries=500) == timedelta(hours=1)


def test_parallel_guesses_cannot_slip_past_the_pause(db: None):
    # Twenty tries at once from one pair: the count and the wait are taken under a lock in Redis,
    # so no more than the free tries go ahead (fewer only if a try gave up waiting for the lock on
    # a very busy machine, which also counts as "wait") and the rest are told to wait.
    now = datetime.now(tz=UTC)

    def one_try(_: int) -> signin_limits.Attempt | signin_limits.Refusal:
        try:
            return signin_limits.attempt_begin(login="avery@example.com", address=ATTACKER, now=now)
        finally:
            cache.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(one_try, range(20)))

    went_ahead = [o for o in outcomes if isinstance(o, signin_limits.Attempt)]
    assert 1 <= len(went_ahead) <= signin_limits.FREE_TRIES
    assert {o.reason for o in outcomes if isinstance(o, signin_limits.Refusal)} == {"pair"}


def test_a_right_password_gives_the_pair_a_fresh_start(
    partner_a: User, clock: time_machine.Traveller
):
    fail_times(partner_a.email, address=HOME, times=4, clock=clock)
    assert signed_in(sign_in(partner_a.email, PASSWORD, address=HOME, clock=clock))

    again = fail_times(partner_a.email, address=HOME, times=5, clock=clock)
    assert all(PAUSED_HERE not in page.text for page in again)


def test_one_address_trying_many_accounts_is_capped_for_every_account(
    partner_a: User, clock: time_machine.Traveller
):
    for n in range(signin_limits.ADDRESS_FAILURES // signin_limits.FREE_TRIES):
        pages = fail_times(f"someone-{n}@example.com", address=ATTACKER, times=5, clock=clock)
        assert all(WRONG in page.text for page in pages)

    fresh = sign_in("someone-new@example.com", "guess", address=ATTACKER, clock=clock)
    assert PAUSED_NETWORK in fresh.text
    assert "about 57 minutes." in fresh.text  # until the hour's window ends
    assert not signed_in(sign_in(partner_a.email, PASSWORD, address=ATTACKER, clock=clock))
    # Other addresses are untouched.
    assert signed_in(sign_in(partner_a.email, PASSWORD, address=HOME, clock=clock))
    # A new window, a new allowance.
    clock.shift(timedelta(hours=1))
    assert signed_in(sign_in(partner_a.email, PASSWORD, address=ATTACKER, clock=clock))


def test_a_guessing_attack_from_many_addresses_is_bounded_and_a_password_reset_still_works(
    partner_a: User, clock: time_machine.Traveller
):
    addresses = [f"203.0.113.{n}" for n in range(100, 120)]
    for address in addresses:
        fail_times(partner_a.email, address=address, times=5, clock=clock)

    ceiling = sign_in(partner_a.email, PASSWORD, address=HOME, clock=clock)
    assert not signed_in(ceiling)
    assert PAUSED_ACCOUNT in ceiling.text
    assert "Resetting your password by email works right away." in ceiling.text

    # The way in that always works: a reset link by email, then the new password.
    client = Client(REMOTE_ADDR=HOME)
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": partner_a.email})
    link = re.search(
        r"http://testserver(/accounts/password/reset/key/\S+/)", str(mail.outbox[0].body)
    )
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    set_url = form_page.redirect_chain[-1][0]
    new_password = "a-brand-new-calm-password-9"
    done = client.post(set_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302

    assert signed_in(sign_in(partner_a.email, new_password, address=HOME, clock=clock))


def test_one_address_alone_cannot_reach_the_daily_ceiling(
    partner_a: User, clock: time_machine.Traveller
):
    # Waiting out every pause for a whole day, one attacker gets this many tries:
    tries, at = 0, timedelta(0)
    while at < signin_limits.ACCOUNT_WINDOW:
        tries += 1
        at += signin_limits.wait_after(tries=tries)
    assert tries < signin_limits.ACCOUNT_FAILURES


def test_the_owner_gets_one_neutral_notice_with_nothing_the_attacker_typed(
    partner_a: User, clock: time_machine.Traveller
):
    attacker_words = "YOUR-PARTNER-IS-LYING"
    for address in ("203.0.113.50", "203.0.113.51", "203.0.113.52", "203.0.113.53"):
        for _ in range(5):
            sign_in(
                partner_a.email.upper(),
                attacker_words,
                address=address,
                clock=clock,
                user_agent=f"{attacker_words}-browser",
            )

    notices = [m for m in mail.outbox if m.subject == "A note about signing in"]
    assert len(mail.outbox) == len(notices) == 1
    notice = notices[0]
    assert notice.to == [partner_a.email]
    assert isinstance(notice, EmailMultiAlternatives)
    html = str(notice.alternatives[0][0])
    for text in (notice.subject, notice.body, html):
        for attacker_controlled in (attacker_words, "203.0.113", partner_a.email.upper()):
            assert attacker_controlled not in text
    assert "If it was you, there is nothing to do." in notice.body
    assert "http://testserver/accounts/password/reset/" in notice.body


def test_no_notice_goes_anywhere_for_an_email_without_an_account(
    db: None, clock: time_machine.Traveller
):
    for address in ("203.0.113.50", "203.0.113.51", "203.0.113.52"):
        fail_times("nobody@example.com", address=address, times=5, clock=clock)

    assert mail.outbox == []


def test_a_pause_reads_the_same_whether_or_not_the_account_exists(
    partner_a: User, clock: time_machine.Traveller
):
    known = fail_times(partner_a.email, address=ATTACKER, times=6, clock=clock)
    unknown = fail_times("nobody@example.com", address=HOME, times=6, clock=clock)

    assert [form_errors(page) for page in known] == [form_errors(page) for page in unknown]
    assert known[-1].status_code == unknown[-1].status_code == 200
    # What was typed stays in the form.
    assert f'value="{partner_a.email}"' in known[-1].text


def test_the_cache_holds_no_email_address_or_network_address(
    partner_a: User, clock: time_machine.Traveller
):
    fail_times(partner_a.email, address=ATTACKER, times=6, clock=clock)

    # Ours only: allauth's own per-address limit on sign-in posts names the address in its key.
    keys = " ".join(k.decode() for k in cache._cache.get_client().keys("*signin:*"))  # type: ignore[attr-defined]
    assert "signin:pair:" in keys
    assert partner_a.email not in keys
    assert ATTACKER not in keys


# --- Invite links ------------------------------------------------------------------------------


def open_invite(token: str, *, address: str) -> int:
    return (
        Client(REMOTE_ADDR=address)
        .get(reverse("invite_accept", kwargs={"token": token}))
        .status_code
    )


def test_two_people_behind_one_address_each_open_their_own_invite(partner_a: User):
    first = services.invite_create(
        couple=services.couple_create(user=partner_a), created_by=partner_a
    )
    lone = make_user("Erin")
    second = services.invite_create(couple=services.couple_create(user=lone), created_by=lone)

    reloads = [open_invite(first.token, address=HOME) for _ in range(31)]
    assert reloads[:30] == [200] * 30
    assert reloads[30] == 429
    # The same address, another invite: its own allowance.
    assert open_invite(second.token, address=HOME) == 200
    # And the first link still opens from anywhere else.
    assert open_invite(first.token, address=ATTACKER) == 200


def test_guessing_invite_links_from_one_address_is_bounded_without_blocking_others(
    partner_a: User,
):
    new = services.invite_create(
        couple=services.couple_create(user=partner_a), created_by=partner_a
    )

    guesses = [open_invite(f"guess-{n}", address=ATTACKER) for n in range(31)]
    assert guesses[:30] == [404] * 30
    assert guesses[30] == 429
    assert open_invite(new.token, address=HOME) == 200


def test_invite_limits_keep_no_raw_token_in_the_cache(partner_a: User):
    new = services.invite_create(
        couple=services.couple_create(user=partner_a), created_by=partner_a
    )
    open_invite(new.token, address=HOME)

    keys = " ".join(k.decode() for k in cache._cache.get_client().keys("*"))  # type: ignore[attr-defined]
    assert "invite:" in keys
    assert new.token not in keys
