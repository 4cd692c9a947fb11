"""A small fixed-window rate limit on the shared cache (Redis in production), for the few places
allauth does not cover: opening invite links, where a flood means someone is guessing tokens."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR is the proxy's address behind a load balancer; BEHIND_PROXY deployments should
    # put the client's address there (gunicorn --forwarded-allow-ips with a trusted proxy).
    return str(request.META.get("REMOTE_ADDR", "unknown"))


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
