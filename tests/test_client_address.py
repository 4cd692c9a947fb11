"""Behind a load balancer every request comes from the proxy's address. The per-address limits read
the client's address from X-Forwarded-For only when TRUSTED_PROXY_COUNT says how many proxies wrote
into it, and then only the entry the outermost trusted proxy wrote: a client's own entries (a
spoofed header) are never read. The local outbox follows the same rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from repair.couples import emails
from repair.couples.models import User
from repair.lib.addresses import client_address
from tests.factories import PASSWORD

# Documentation address ranges (RFC 5737), never real hosts.
HOME = "198.51.100.20"
ATTACKER = "203.0.113.9"
PROXY = "10.0.0.2"
START = datetime(2026, 3, 2, 9, 1, tzinfo=UTC)
PAUSED_HERE = "signing in from here is paused"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def sign_in(
    email: str, password: str, *, peer: str, forwarded: str | None, clock: time_machine.Traveller
) -> tuple[bool, str]:
    """A sign-in attempt arriving from ``peer`` with this X-Forwarded-For (None: no header):
    whether it signed in, and the page's text."""
    clock.shift(timedelta(seconds=3))
    headers = {} if forwarded is None else {"x-forwarded-for": forwarded}
    client = Client(headers=headers, REMOTE_ADDR=peer)
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    return "_auth_user_id" in client.session, response.text


def request_from(peer: str, forwarded: str | None = None) -> HttpRequest:
    headers = {} if forwarded is None else {"x-forwarded-for": forwarded}
    return RequestFactory().get("/", headers=headers, REMOTE_ADDR=peer)


def test_without_trusted_proxies_the_forwarded_header_is_never_read(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_address(request_from(ATTACKER, HOME)) == ATTACKER
    assert client_address(request_from(ATTACKER)) == ATTACKER


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, ATTACKER, ATTACKER),  # one proxy appended the client's address
        (1, f"{HOME}, {ATTACKER}", ATTACKER),  # the client wrote HOME itself: not read
        (2, f"{HOME}, {ATTACKER}, 10.0.0.9", ATTACKER),  # two proxies: the outer one's entry
        (2, ATTACKER, PROXY),  # fewer entries than proxies: set up otherwise, the peer it is
        (1, "not-an-address", PROXY),
        (1, None, PROXY),
    ],
)
def test_with_trusted_proxies_the_client_is_the_entry_the_outermost_proxy_wrote(
    settings, count: int, forwarded: str | None, expected: str
):
    settings.TRUSTED_PROXY_COUNT = count

    assert client_address(request_from(PROXY, forwarded)) == expected


def test_a_spoofed_forwarded_for_does_not_escape_the_sign_in_pause(
    partner_a: User, settings, clock: time_machine.Traveller
):
    """No proxy configured: a guesser writing a new X-Forwarded-For each try is still one address,
    and waits; the owner at home is not affected."""
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(8):
        sign_in(partner_a.email, f"guess-{n}", peer=ATTACKER, forwarded=f"192.0.2.{n}", clock=clock)
    attacker = sign_in(
        partner_a.email, PASSWORD, peer=ATTACKER, forwarded="192.0.2.200", clock=clock
    )

    assert attacker == (False, attacker[1])
    assert PAUSED_HERE in attacker[1]
    assert sign_in(partner_a.email, PASSWORD, peer=HOME, forwarded=None, clock=clock)[0]


def test_behind_a_trusted_proxy_a_guesser_cannot_pause_the_owner_or_pose_as_them(
    partner_a: User, settings, clock: time_machine.Traveller
):
    """Every request comes from the load balancer. With TRUSTED_PROXY_COUNT=1 the guesser is
    paused by their own address even while claiming the owner's (the proxy appends the real one),
    and the owner, through the same proxy, walks straight in. Without the setting the owner would
    share the guesser's pause: both would be the proxy."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(8):
        sign_in(
            partner_a.email, f"guess-{n}", peer=PROXY, forwarded=f"{HOME}, {ATTACKER}", clock=clock
        )
    attacker = sign_in(
        partner_a.email, PASSWORD, peer=PROXY, forwarded=f"{HOME}, {ATTACKER}", clock=clock
    )

    assert attacker == (False, attacker[1])
    assert PAUSED_HERE in attacker[1]
    assert sign_in(partner_a.email, PASSWORD, peer=PROXY, forwarded=HOME, clock=clock)[0]


def test_without_the_setting_everyone_behind_the_proxy_shares_one_pause(
    partner_a: User, settings, clock: time_machine.Traveller
):
    """Why the setting exists: with it unset behind a proxy, the owner waits out the guesser's
    pause (safe, but unkind), because both are the proxy's address."""
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(8):
        sign_in(partner_a.email, f"guess-{n}", peer=PROXY, forwarded=ATTACKER, clock=clock)

    owner, page = sign_in(partner_a.email, PASSWORD, peer=PROXY, forwarded=HOME, clock=clock)
    assert not owner
    assert PAUSED_HERE in page


def local_outbox(settings, tmp_path: Path) -> None:
    settings.DEBUG = True
    settings.EMAIL_OUTBOX_DIR = tmp_path
    settings.MAILERS = {"default": {"BACKEND": "repair.lib.mail.OutboxBackend"}}
    emails.send_invite(to="blake@example.com", inviter_name="Avery", url="http://x/invite/abc/")


def test_behind_a_local_proxy_the_outbox_is_shown_only_to_a_browser_on_this_machine(
    settings, tmp_path: Path
):
    """A proxy on this machine makes every peer 127.0.0.1. With the proxy named in the setting, the
    outbox looks at the address the proxy forwarded; a client's own header is still not read."""
    local_outbox(settings, tmp_path)
    settings.TRUSTED_PROXY_COUNT = 1

    def outbox_status(forwarded: str) -> int:
        client = Client(REMOTE_ADDR="127.0.0.1", headers={"x-forwarded-for": forwarded})
        return client.get(reverse("outbox")).status_code

    assert outbox_status(ATTACKER) == 404
    assert outbox_status(f"127.0.0.1, {ATTACKER}") == 404  # spoofed by the client
    assert outbox_status("127.0.0.1") == 200


def test_without_the_setting_a_forwarded_loopback_address_does_not_open_the_outbox(
    settings, tmp_path: Path
):
    local_outbox(settings, tmp_path)
    settings.TRUSTED_PROXY_COUNT = 0

    client = Client(REMOTE_ADDR=ATTACKER, headers={"x-forwarded-for": "127.0.0.1"})

    assert client.get(reverse("outbox")).status_code == 404
