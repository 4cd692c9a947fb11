"""Limits on password sign-in that stop guessing without letting anyone lock a person out.

Three counters, all on the shared cache (Redis), all keyed by keyed hashes so a cache dump names
neither people nor addresses:

- per (account, address) pair: a few free tries, then the pair waits 1, 2, 4 … minutes, capped at an
  hour. Only the guesser's own pair waits, so a person signing in from anywhere else is not blocked
  by someone who knows their email address;
- per address, across every account: a generous cap, so one address cannot spray many accounts;
- per account, across every address: a daily ceiling no single address can reach with the delays
  above, which bounds a guessing attack spread over many addresses. A password reset by email clears
  it, so the owner always has a way in.

"Account" is the typed sign-in string, lowercased: an email with no account is limited exactly like
one with an account, so nothing here says whether an account exists. Attempts are counted before the
password is checked and taken back when it was right, so a burst of parallel requests cannot slip
past a limit. If Redis is down the limits fail open, like every limit here (repair/lib/cache.py).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, ngettext

FREE_TRIES = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
# How long a pair's count is remembered after its last try; a quiet day starts it afresh.
PAIR_MEMORY = timedelta(days=1)
# A household or an office shares one address; fifty wrong passwords an hour is far past what
# people mistype, and far too few to spray a list of accounts.
ADDRESS_FAILURES, ADDRESS_WINDOW = 50, timedelta(hours=1)
# One address, waiting out every delay, gets about 35 tries a day at one account: it never reaches
# this. Many addresses together are bounded by it.
ACCOUNT_FAILURES, ACCOUNT_WINDOW = 100, timedelta(days=1)
# The owner hears about it once the account's failures of the day reach this, at most once a day.
NOTICE_AFTER, NOTICE_EVERY = 10, timedelta(days=1)

_LOCK_SECONDS, _LOCK_WAIT_SECONDS = 5, 1.0

Reason = Literal["pair", "address", "account"]


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt that may go ahead; it holds its place in each counter until it ends."""

    pair_key: str
    address_key: str
    account_key: str
    notice_key: str
    account_failures: int


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    retry_at: datetime

    def message(self, *, now: datetime) -> str:
        wait = _in_words(self.retry_at - now)
        if self.reason == "pair":
            text = gettext(
                "That didn't match a few times in a row, so signing in from here is paused for a "
                "little while. Please try again in %(wait)s."
            )
        elif self.reason == "address":
            text = gettext(
                "Many sign-ins from this network didn't match just now, so signing in from here is "
                "paused for a little while. Please try again in %(wait)s."
            )
        else:
            text = gettext(
                "Signing in with a password to this email address is paused for now, after many "
                "tries that didn't match, to keep it safe. You can try again in %(wait)s."
            )
        reset = gettext("Resetting your password by email works right away.")
        return f"{text % {'wait': wait}} {reset}"


def address_normalize(address: str) -> str:
    """One IPv6 customer usually holds a whole /64, so that is one address here."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def attempt_begin(*, login: str, address: str, now: datetime) -> Attempt | Refusal:
    """Take a place in every counter for one password check, or say why and until when not."""
    account = _digest("account", login.strip().lower())
    where = _digest("address", address_normalize(address))
    address_key = _window_key("address", where, ADDRESS_WINDOW, now)
    account_key = _window_key("account", account, ACCOUNT_WINDOW, now)

    if _incr(address_key, ADDRESS_WINDOW) > ADDRESS_FAILURES:
        _decr(address_key)
        return Refusal("address", _window_end(ADDRESS_WINDOW, now))
    account_failures = _incr(account_key, ACCOUNT_WINDOW)
    if account_failures > ACCOUNT_FAILURES:
        _decr(address_key)
        _decr(account_key)
        return Refusal("account", _window_end(ACCOUNT_WINDOW, now))

    pair_key = f"signin:pair:{_digest('pair', f'{account}:{where}')}"
    waiting_until = _pair_reserve(pair_key, now=now)
    if waiting_until is not None:
        _decr(address_key)
        _decr(account_key)
        return Refusal("pair", waiting_until)
    return Attempt(
        pair_key=pair_key,
        address_key=address_key,
        account_key=account_key,
        notice_key=f"signin:notice:{account}",
        account_failures=account_failures,
    )


def attempt_succeed(*, attempt: Attempt) -> None:
    """The password was right: this try was no failure, and the pair starts afresh."""
    _decr(attempt.address_key)
    _decr(attempt.account_key)
    cache.delete(attempt.pair_key)


def attempt_fail(*, attempt: Attempt) -> bool:
    """The password was wrong (the try stays counted). True when the owner should be told, which
    happens once the day's failures reach ``NOTICE_AFTER``, and then not again for a day."""
    if attempt.account_failures < NOTICE_AFTER:
        return False
    return bool(cache.add(attempt.notice_key, 1, timeout=int(NOTICE_EVERY.total_seconds())))


def account_limits_clear(*, login: str, address: str, now: datetime) -> None:
    """After a password reset by email: the account's ceiling and the resetting pair start afresh.
    Other addresses' pairs keep waiting; they were guessing the old password anyway."""
    account = _digest("account", login.strip().lower())
    where = _digest("address", address_normalize(address))
    cache.delete(_window_key("account", account, ACCOUNT_WINDOW, now))
    cache.delete(f"signin:pair:{_digest('pair', f'{account}:{where}')}")


def wait_after(*, tries: int) -> timedelta:
    """How long a pair waits after its ``tries``-th wrong password in a row (none before the
    free tries are used up)."""
    if tries < FREE_TRIES:
        return timedelta(0)
    return min(FIRST_WAIT * (1 << min(tries - FREE_TRIES, 20)), LONGEST_WAIT)


def _pair_reserve(key: str, *, now: datetime) -> datetime | None:
    """Count one try for the pair and set the wait that follows if it fails; or return when the
    pair may try again. Under a lock: the count and the wait are read and written together."""
    with _lock(key) as locked:
        if not locked:
            return now + timedelta(seconds=_LOCK_WAIT_SECONDS)
        state = cache.get(key) or {"tries": 0, "until": 0.0}
        if state["until"] > now.timestamp():
            return datetime.fromtimestamp(state["until"], tz=now.tzinfo)
        tries = int(state["tries"]) + 1
        # The wait is set now, before the password is checked, so parallel tries find it at once;
        # a right password clears it (attempt_succeed).
        until = (now + wait_after(tries=tries)).timestamp() if tries >= FREE_TRIES else 0.0
        memory = PAIR_MEMORY + LONGEST_WAIT
        cache.set(key, {"tries": tries, "until": until}, timeout=int(memory.total_seconds()))
    return None


@contextmanager
def _lock(key: str) -> Iterator[bool]:
    lock_key = f"{key}:lock"
    deadline = time.monotonic() + _LOCK_WAIT_SECONDS
    while not cache.add(lock_key, 1, timeout=_LOCK_SECONDS):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(0.01)
    try:
        yield True
    finally:
        cache.delete(lock_key)


def _digest(purpose: str, value: str) -> str:
    # Keyed, so a copy of the cache cannot be matched against a list of emails or addresses.
    return salted_hmac(f"repair.signin_limits.{purpose}", value, algorithm="sha256").hexdigest()[
        :32
    ]


def _window_key(kind: str, digest: str, window: timedelta, now: datetime) -> str:
    index = int(now.timestamp() // window.total_seconds())
    return f"signin:{kind}:{digest}:{index}"


def _window_end(window: timedelta, now: datetime) -> datetime:
    seconds = window.total_seconds()
    start = (now.timestamp() // seconds) * seconds
    return datetime.fromtimestamp(start + seconds, tz=now.tzinfo)


def _incr(key: str, window: timedelta) -> int:
    timeout = int(window.total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def _decr(key: str) -> None:
    # A key already expired has nothing left to take back.
    with suppress(ValueError):
        cache.decr(key)


def _in_words(delta: timedelta) -> str:
    minutes = max(1, math.ceil(delta.total_seconds() / 60))
    if minutes < 90:
        return ngettext("about %(count)d minute", "about %(count)d minutes", minutes) % {
            "count": minutes
        }
    hours = math.ceil(minutes / 60)
    return ngettext("about %(count)d hour", "about %(count)d hours", hours) % {"count": hours}
