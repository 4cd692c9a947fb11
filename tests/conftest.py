"""Shared fixtures: three named people (partner A and partner B, a couple; an outsider in another
couple) and the guard that the suite runs on PostgreSQL, as production does.

A test that needs no service (no database, Redis, Celery worker, live server or browser, however
indirectly its fixtures ask) is marked ``unit`` here at collection, and nothing in this file reaches
PostgreSQL or Redis for it: ``make test-unit`` (pytest -m unit) runs those with the services down."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

from repair.celery import app
from repair.couples.models import Couple, User
from tests.factories import make_couple, make_user

# The fixtures that reach a service: pytest-django's database ones, the live server (browser tests)
# and redis_url (Redis and the broker, for the worker tests). And the markers that say so.
SERVICE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
        "redis_url",
    }
)
SERVICE_MARKERS = ("django_db", "browser", "worker")
# Not a service, but never unit either: the test that runs the unit selection would run itself.
NEVER_UNIT = (*SERVICE_MARKERS, "runs_pytest")


def _is_unit(item: pytest.Item) -> bool:
    if any(item.get_closest_marker(name) for name in NEVER_UNIT):
        return False
    return SERVICE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        unit = _is_unit(item)
        if item.get_closest_marker("unit") is not None:
            if not unit:
                raise pytest.UsageError(
                    f"{item.nodeid} is marked unit by hand but uses a service; "
                    "tests/conftest.py adds the unit marker itself"
                )
            continue
        if unit:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def _real_postgres(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        if connection.vendor != "postgresql":
            pytest.exit(
                "The test suite runs on PostgreSQL. Use `make test`, or set DATABASE_URL to a "
                f"postgres:// URL (this run got {connection.vendor}).",
                returncode=2,
            )


@pytest.fixture(autouse=True)
def _services_checked_and_clean(request: pytest.FixtureRequest) -> None:
    """For a test that uses the services (not ``unit``): PostgreSQL it is (checked once per run),
    and the cache starts empty. The cache is the real Redis; allauth's rate-limit counters must not
    leak between tests. (make test gives the Celery broker a Redis database of its own, so queues
    are untouched.)"""
    if request.node.get_closest_marker("unit") is not None:
        return
    request.getfixturevalue("_real_postgres")
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_and_plain(settings: pytest.FixtureRequest) -> None:
    # Argon2 is deliberately slow; tests make many users. Production keeps argon2 (settings.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    # Tests don't run collectstatic; the manifest storage is checked in test_settings.py.
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def partner_a(db: None) -> User:
    return make_user("Avery")


@pytest.fixture
def partner_b(db: None) -> User:
    return make_user("Blake")


@pytest.fixture
def couple(partner_a: User, partner_b: User) -> Couple:
    return make_couple(partner_a, partner_b)


@pytest.fixture
def outsider(db: None) -> User:
    """Charlie, in a couple of their own with Dana."""
    charlie = make_user("Charlie")
    make_couple(charlie, make_user("Dana"))
    return charlie


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_a(couple: Couple, partner_a: User) -> Client:
    return client_for(partner_a)


@pytest.fixture
def client_b(couple: Couple, partner_b: User) -> Client:
    return client_for(partner_b)


@pytest.fixture
def client_outsider(outsider: User) -> Client:
    return client_for(outsider)


@pytest.fixture
def redis_url() -> str:
    """The Redis this test run uses, and the Celery broker, reachable; the test fails (never skips)
    when either is not."""
    url = django_settings.REDIS_URL
    if not url:
        pytest.fail("REDIS_URL is not set: the worker tests need Redis. Use `make test`.")
    if not str(app.conf.broker_url).startswith(("redis://", "rediss://")):
        pytest.fail(f"The Celery broker of this test run is not Redis: {app.conf.broker_url!r}.")
    for name, target in (("Redis", url), ("The Celery broker", str(app.conf.broker_url))):
        try:
            with redis.Redis.from_url(target, socket_connect_timeout=3, socket_timeout=3) as client:
                client.ping()
        except redis.RedisError as error:
            pytest.fail(
                f"{name} at {target} is not reachable ({error}). Start Redis with `make services`.",
                pytrace=False,
            )
    return str(url)
