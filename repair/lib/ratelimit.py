"""A small fixed-window rate limit on the shared cache (Redis in production), for the few places
allauth does not cover: opening invite links (below) and typing a password to delete an account.
Password sign-in has its own limits in repair/lib/signin_limits.py."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from repair.lib.addresses import client_address
from repair.lib.signin_limits import address_normalize
from repair.lib.tokens import token_hash

# Opening one invite link from one address: plenty for a person reloading it, and it bounds load.
INVITE_OPENS, INVITE_OPENS_WINDOW = 30, 10 * 60
# Links that match no invite, from one address: a person mistypes a few; a guesser needs billions.
INVITE_MISSES, INVITE_MISSES_WINDOW = 30, 10 * 60


def client_ip(request: HttpRequest) -> str:
    # The trusted proxies' view of the client when TRUSTED_PROXY_COUNT says there are any.
    return address_normalize(client_address(request) or "unknown")


def allow(*, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for ``key``; False once more than ``limit`` hits fell in the current window."""
    bucket = f"ratelimit:{key}"
    cache.add(bucket, 0, timeout=window_seconds)
    try:
        hits = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window_seconds)
        hits = 1
    return hits <= limit


def invite_open_allow(*, request: HttpRequest, token: str) -> bool:
    """Per address *and* invite (by the token's hash, never the token itself), so two people behind
    one address opening their own links never use up each other's limit; plus a cap on links that
    matched nothing, which is what guessing looks like."""
    address = client_ip(request)
    if _hits(f"invite-miss:{address}") >= INVITE_MISSES:
        return False
    return allow(
        key=f"invite:{address}:{token_hash(token)[:32]}",
        limit=INVITE_OPENS,
        window_seconds=INVITE_OPENS_WINDOW,
    )


def invite_miss_record(*, request: HttpRequest) -> None:
    allow(
        key=f"invite-miss:{client_ip(request)}",
        limit=INVITE_MISSES,
        window_seconds=INVITE_MISSES_WINDOW,
    )


def _hits(key: str) -> int:
    return int(cache.get(f"ratelimit:{key}") or 0)
