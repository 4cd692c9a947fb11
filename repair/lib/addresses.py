"""Whose address a request came from, for the per-address limits and the local outbox.

Without configuration it is the socket's peer (``REMOTE_ADDR``) and nothing else: an
``X-Forwarded-For`` header is anyone's to write. Behind a load balancer or reverse proxy the peer is
the proxy, so every visitor would share one limit; ``TRUSTED_PROXY_COUNT`` (from the environment,
default 0) says how many proxies in front of the app append to ``X-Forwarded-For``. The client is
then the entry that many places from the right: the address the outermost trusted proxy saw. Entries
further left were written by the client and are never read."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address as text, or ``REMOTE_ADDR`` (possibly empty) when the trusted proxies'
    entry is missing or is not an address (a proxy set up differently from what the setting
    says: the limits then fall back to sharing one count per proxy, never to trusting the
    client)."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return peer
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(entries) < count:
        return peer
    try:
        return str(ipaddress.ip_address(entries[-count]))
    except ValueError:
        return peer
