"""The Redis cache, made to degrade rather than fail: if Redis stops, a read is a miss and a write is
skipped, so pages keep working (sessions fall back to PostgreSQL through ``cached_db``; rate limits
fail open for the duration) and nothing a person sends is lost to a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
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


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` around the (kept) connection pool for every
    command, and that constructor was an eighth of a signed-in request's time (the session read):
    it copies the callback tables and sets up locks. The client object holds no connection and no
    per-command state (the pool lends connections, safely across threads), so one per pool per
    process does the same work."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Redis:
        # django-stubs leave the client's private parts out; these are Django's own.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

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
