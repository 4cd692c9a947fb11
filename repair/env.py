"""Read settings from the environment, loudly.

Each helper returns a typed value or raises ``ImproperlyConfigured`` naming the variable and what was
wrong with it, so a typo in a deployment fails at start-up instead of half-working.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    """A URL whose scheme is one of ``schemes`` and which names a host (or a path for files)."""
    raw = env_str(name, default)
    if not raw:
        return raw
    parts = urlsplit(raw)
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must start with one of {allowed}; got {raw!r}.")
    if parts.scheme not in {"sqlite", "filesystem"} and not parts.hostname:
        raise ImproperlyConfigured(f"{name} has no host name: {raw!r}.")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a malformed port: {raw!r}.") from None
    return raw


def env_time_zone(name: str, default: str) -> str:
    raw = env_str(name, default)
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name} must be an IANA time zone name, not {raw!r}.") from None
    return raw


def env_fernet_keys(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of Fernet keys, newest first; ``default`` when unset or blank.

    A malformed key fails loudly, naming its position in the list but never its value (a key is a
    secret, and error messages end up in logs)."""
    keys = env_list(name, []) or default
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: key {position} of {len(keys)} is not a Fernet key (44 characters of "
                'url-safe base64 for 32 bytes). Make one with: python -c "from '
                'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from None
    return keys


def env_crisis_lines(name: str, default: list[dict[str, object]]) -> list[dict[str, object]]:
    """Support lines (or the therapist directory) as JSON: a list of {"name": ..., "detail": ...,
    "url": optional}."""

    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        lines = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(
            f"{name} is not valid JSON: {error.msg} at position {error.pos}."
        ) from None
    if not isinstance(lines, list) or not lines:
        raise ImproperlyConfigured(f"{name} must be a non-empty JSON list of lines.")
    for index, line in enumerate(lines):
        if not isinstance(line, dict) or not all(
            isinstance(line.get(k), str) and line[k].strip() for k in ("name", "detail")
        ):
            raise ImproperlyConfigured(
                f'{name}: line {index + 1} needs a non-empty "name" and "detail".'
            )
        url = line.setdefault("url", "")
        if not isinstance(url, str) or (
            url and not url.startswith(("https://", "http://", "tel:"))
        ):
            raise ImproperlyConfigured(
                f"{name}: line {index + 1} has a url that is not http(s):// or tel:."
            )
    return lines
