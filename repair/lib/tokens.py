"""Unguessable one-time tokens that are stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def token_new() -> str:
    # 32 random bytes: 256 bits, URL-safe.
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
