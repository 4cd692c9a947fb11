"""What every signed-in request pays before its page does anything (the session read from Redis, the
person read from PostgreSQL), and the bench's two baselines: bare Django (no middleware, no database)
and the signed-in middleware-only view (docs/performance.md)."""

from __future__ import annotations

from wsgiref.util import setup_testing_defaults

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from repair.couples.auth_backends import person_for_session
from repair.couples.models import User
from tests.conftest import client_for


def test_the_cache_keeps_one_redis_client_instead_of_building_one_per_command(redis_url: str):
    cache.set("request-cost-probe", 1)

    first = cache._cache.get_client()  # type: ignore[attr-defined]
    again = cache._cache.get_client()  # type: ignore[attr-defined]

    assert first is again
    assert cache.get("request-cost-probe") == 1


def test_a_deactivated_person_is_signed_out_on_their_next_request(partner_a: User):
    client = client_for(partner_a)
    assert client.get(reverse("settings")).status_code == 200

    User.objects.filter(pk=partner_a.pk).update(is_active=False)
    response = client.get(reverse("settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_signed_in_request_reads_the_person_once_and_nothing_else(partner_a: User, settings):
    settings.ROOT_URLCONF = "tests.bench.baseline.urls"
    client = client_for(partner_a)
    client.get("/bench/baseline/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/bench/baseline/")

    assert response.status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_the_person_a_session_names_is_loaded_with_every_column_the_orm_would_give(partner_a: User):
    User.objects.filter(pk=partner_a.pk).update(display_name="Avery", time_zone="Europe/Paris")

    plain = person_for_session(user_id=str(partner_a.pk))
    orm = User.objects.get(pk=partner_a.pk)

    assert plain is not None
    for field in User._meta.concrete_fields:
        assert getattr(plain, field.attname) == getattr(orm, field.attname), field.name
    assert plain._state.adding is False
    assert plain.get_session_auth_hash() == orm.get_session_auth_hash()


def test_a_session_naming_no_one_loads_no_one(partner_a: User):
    assert person_for_session(user_id=str(partner_a.pk + 1000)) is None


def test_a_changed_password_ends_the_other_sessions_on_their_next_request(partner_a: User):
    client = client_for(partner_a)
    assert client.get(reverse("settings")).status_code == 200

    partner_a.set_password("a-new-long-passphrase-for-this-test")
    partner_a.save(update_fields=["password"])
    response = client.get(reverse("settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_responses_name_their_language_and_vary_on_accept_language_as_django_s_would(
    partner_a: User,
):
    response = client_for(partner_a).get(reverse("settings"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


def test_with_a_second_language_the_browser_s_choice_is_followed_again(partner_a: User, settings):
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]

    response = client_for(partner_a).get(reverse("settings"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in response["Vary"]


def _wsgi_get(path: str) -> tuple[str, dict[str, str], bytes]:
    # Imported here: on import it builds the bench's two WSGI handlers; only these tests use them.
    from tests.bench.baseline.wsgi import application

    environ: dict[str, object] = {"PATH_INFO": path, "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    seen: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen.update(status=status, headers=dict(headers))

    body = b"".join(application(environ, start_response))
    return str(seen["status"]), dict(seen["headers"]), body  # type: ignore[call-overload]


# A real WSGI handler (not the test client) closes stale database connections as a request starts:
# after another test opened one, that is database access.
@pytest.mark.django_db
def test_the_bench_bare_django_view_runs_no_middleware_and_the_other_baseline_all(settings):
    settings.ROOT_URLCONF = "tests.bench.baseline.urls"

    bare_status, bare_headers, bare_body = _wsgi_get("/bench/bare/")
    stack_status, stack_headers, _ = _wsgi_get("/bench/baseline/")

    assert (bare_status, bare_body) == ("200 OK", b"ok")
    assert not {"Content-Security-Policy", "X-Frame-Options", "Vary", "Cache-Control"} & set(
        bare_headers
    )
    assert stack_status == "200 OK"
    assert "Content-Security-Policy" in stack_headers
    assert "X-Frame-Options" in stack_headers
