"""The Redis cache, made to degrade rather than fail: if Redis stops, a read is a miss and a write is
skipped, so pages keep working (sessions fall back to PostgreSQL through ``cached_db``; rate limits
fail open for the duration) and nothing a person sends is lost to a 500."""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString
from redis.exceptions import RedisError

from repair.crypto import fernet

log = logging.getLogger(__name__)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")


def _degrade(fallback: Callable[..., Any]) -> Callable[[Callable[..., T]], Callable[..., T]]:
    def decorator(method: Callable[..., T]) -> Callable[..., T]:
        @wraps(method)
        def wrapped(self: RedisCache, *args: Any, **kwargs: Any) -> T:
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                # The operation's name and the error class only: keys can name people.
                log.warning(
                    "cache.unavailable op=%s error=%s", method.__name__, type(error).__name__
                )
                return fallback(*args, **kwargs)  # type: ignore[no-any-return]

        return wrapped

    return decorator


def _default(key: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


class ResilientRedisCache(RedisCache):
    get = _degrade(_default)(RedisCache.get)
    set = _degrade(lambda *a, **k: None)(RedisCache.set)
    # allauth's rate limits take a lock with add(); reporting success lets the request through
    # (rate limits fail open while Redis is down) instead of answering 429 to everyone.
    add = _degrade(lambda *a, **k: True)(RedisCache.add)
    touch = _degrade(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrade(lambda *a, **k: False)(RedisCache.delete)
    has_key = _degrade(lambda *a, **k: False)(RedisCache.has_key)
    # No count is known: report zero, so limits built on the cache let the request through.
    incr = _degrade(lambda *a, **k: 0)(RedisCache.incr)
    get_many = _degrade(lambda *a, **k: {})(RedisCache.get_many)
    set_many = _degrade(lambda keys, *a, **k: list(keys))(RedisCache.set_many)
    delete_many = _degrade(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _degrade(lambda *a, **k: False)(RedisCache.clear)


@functools.cache
def code_digest() -> str:
    """A digest of this release's templates and Python sources, computed once per process."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=16)
    for folder in ("templates", "repair", "checkins", "rituals"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in {".html", ".txt", ".py", ".toml"} and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def memoized_fragment(
    *, namespace: str, inputs: object, render: Callable[[], str], timeout: int = 24 * 60 * 60
) -> SafeString:
    """A rendered piece of a page, kept in the cache under a digest of everything it is drawn from.

    Nothing is ever invalidated: different inputs make a different key, so a stored fragment can't
    be stale, and an old one simply expires. ``inputs`` must therefore hold *all* the fragment
    depends on (whose page it is, the data, the language); it is pickled and hashed, with a digest
    of the code and templates (``code_digest``), so a release that draws it differently never
    serves the old drawing. Stored compressed (a 90-day history is ~140 KB of SVG and
    tables, ~17 KB compressed). If the cache is down, this renders every time."""
    key = _fragment_key(namespace, inputs)
    stored = cache.get(key)
    if isinstance(stored, bytes):
        return SafeString(zlib.decompress(stored).decode())
    html = render()
    cache.set(key, zlib.compress(html.encode(), 1), timeout)
    return SafeString(html)


def _fragment_key(namespace: str, inputs: object) -> str:
    # Pickle, not repr: fast for dates and tuples, and the same bytes for the same values.
    payload = pickle.dumps((code_digest(), inputs), protocol=5)
    return f"fragment:{namespace}:{hashlib.blake2b(payload, digest_size=20).hexdigest()}"


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def sealed_fragment(
    *,
    namespace: str,
    inputs: object,
    render: Callable[[], tuple[str, datetime | None]],
    now: datetime,
    timeout: int = 24 * 60 * 60,
) -> SafeString:
    """``memoized_fragment`` for a fragment that holds people's written words, or one that holds
    only until a given time.

    The stored bytes are encrypted with the field keys (``repair.crypto``), as the database stores
    those words, so Redis, its dumps and its replicas hold ciphertext only; a value no key opens is
    a miss. ``render`` returns the HTML and the time it stops being true, if any (a partner's
    pause that ends): from then on the stored copy is a miss and is drawn again."""
    key = _fragment_key(namespace, inputs)
    stored = cache.get(key)
    if isinstance(stored, bytes):
        try:
            opened = zlib.decompress(fernet().decrypt(stored))
        except InvalidToken:
            opened = b""
        until = int.from_bytes(opened[:8], "big")
        if opened and (until == 0 or _microseconds(now) < until):
            return SafeString(opened[8:].decode())
    html, expires = render()
    until = 0 if expires is None else _microseconds(expires)
    if expires is None or expires > now:
        sealed = fernet().encrypt(zlib.compress(until.to_bytes(8, "big") + html.encode(), 1))
        cache.set(key, sealed, timeout)
    return SafeString(html)


# A stand-in for the CSRF token in a cached fragment: render with ``csrf_token=CSRF_SLOT`` and fill
# each response with ``with_csrf_token``. ``{% csrf_token %}`` escapes the stand-in, and that escaped
# form cannot come from anything a person typed, which the template escapes once more.
CSRF_SLOT = "<csrf-slot>"
_CSRF_SLOT_ESCAPED = "&lt;csrf-slot&gt;"


def with_csrf_token(fragment: str, request: HttpRequest) -> SafeString:
    """The fragment with this request's own CSRF token in every form."""
    return SafeString(fragment.replace(_CSRF_SLOT_ESCAPED, get_token(request)))
