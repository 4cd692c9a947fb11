"""The one settings module: embedded defaults, the production stack from the environment, and loud
failures on malformed values. Each case runs in a fresh interpreter, as a deployment would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.subprocesses import run

SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "from repair.celery import app; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'broker': app.conf.broker_url, "
    "'cache': s.CACHES['default']['BACKEND'], 'mailer': s.MAILERS['default']['BACKEND'], "
    "'secure': s.SESSION_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS}))"
)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3Jr9-production-like-secret-9f8a7c6e5d4b3a2f1e0d9c8b7a6f5e4d3c2b1a0-zz",
    "SITE_URL": "https://mend.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/repair",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "EMAIL_HOST": "smtp.example.org",
}
# Fernet keys made for these tests only.
GOOD_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


def test_with_nothing_set_the_app_runs_on_embedded_defaults(tmp_path: Path):
    result = run(SHOW, {"DEBUG": "true"}, tmp_path)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["db"] == "django.db.backends.sqlite3"
    assert shown["broker"] == "filesystem://"
    assert shown["cache"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert shown["mailer"] == "repair.lib.mail.OutboxBackend"


def test_the_environment_selects_postgres_redis_and_smtp(tmp_path: Path):
    result = run(SHOW, PRODUCTION, tmp_path)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["db"] == "django.db.backends.postgresql"
    assert shown["broker"].startswith("redis://")
    assert shown["cache"] == "repair.lib.cache.ResilientRedisCache"
    assert shown["mailer"] == "repair.lib.mail.SMTPBackend"
    assert shown["secure"] is True
    assert shown["hsts"] >= 31536000


def test_production_settings_pass_the_deploy_check_with_no_warnings(tmp_path: Path):
    result = run("", PRODUCTION, tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"DEBUG": "false", "SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"DEBUG": "true", "DATABASE_URL": "mysql://localhost/x"}, "DATABASE_URL must start with"),
        ({"DEBUG": "true", "DATABASE_URL": "postgres:///nohost"}, "DATABASE_URL has no host"),
        ({"DEBUG": "true", "DATABASE_URL": "postgres://h:port/x"}, "malformed port"),
        ({"DEBUG": "true", "REDIS_URL": "localhost:6379"}, "REDIS_URL must start with"),
        ({"DEBUG": "true", "SITE_URL": "mend.example.org"}, "SITE_URL must start with"),
        (
            {"DEBUG": "true", "EMAIL_HOST": "smtp.x", "EMAIL_PORT": "twenty"},
            "EMAIL_PORT must be a whole number",
        ),
        (
            {"DEBUG": "true", "EMAIL_HOST": "smtp.x", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"},
            "cannot both be true",
        ),
        (
            {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": f"{GOOD_KEY},not-a-fernet-key"},
            "FIELD_ENCRYPTION_KEYS: key 2 of 2 is not a Fernet key",
        ),
        (
            {"DEBUG": "true", "FIELD_ENCRYPTION_KEYS": GOOD_KEY[:-4]},
            "FIELD_ENCRYPTION_KEYS: key 1 of 1 is not a Fernet key",
        ),
    ],
)
def test_a_malformed_value_fails_loudly_naming_the_variable(
    env: dict[str, str], message: str, tmp_path: Path
):
    result = run(SHOW, env, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert GOOD_KEY[:-4] not in result.stderr  # a key is a secret: never echoed


KEYS = "from django.conf import settings; import django; django.setup(); print(','.join(settings.FIELD_ENCRYPTION_KEYS))"


def test_field_keys_come_from_the_environment_newest_first(tmp_path: Path):
    result = run(
        KEYS, {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": f" {GOOD_KEY} , {OTHER_KEY} "}, tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"{GOOD_KEY},{OTHER_KEY}"]


def test_unset_field_keys_are_derived_from_the_secret_key_stably(tmp_path: Path):
    first = run(KEYS, PRODUCTION, tmp_path)
    again = run(KEYS, {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": ""}, tmp_path)
    other = run(KEYS, {**PRODUCTION, "SECRET_KEY": PRODUCTION["SECRET_KEY"] + "x"}, tmp_path)

    assert first.returncode == 0, first.stderr
    derived = first.stdout.strip()
    Fernet(derived)  # one well-formed key
    assert "," not in derived
    assert again.stdout.strip() == derived
    assert other.stdout.strip() != derived
    assert PRODUCTION["SECRET_KEY"] not in derived


def test_production_with_explicit_field_keys_passes_the_deploy_check(tmp_path: Path):
    env = {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": f"{GOOD_KEY},{OTHER_KEY}"}
    result = run("", env, tmp_path, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_static_files_collect_with_hashed_names_for_production(tmp_path: Path):
    static_root = tmp_path / "static"
    env = {**PRODUCTION, "STATIC_ROOT": str(static_root)}

    result = run("", env, tmp_path, "collectstatic", "--noinput")

    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert "css/app.css" in manifest["paths"]
    assert (static_root / "django_htmx").exists() or any(static_root.glob("django_htmx*"))


def test_operators_set_their_own_crisis_lines(tmp_path: Path):
    lines = [{"name": "Samaritans", "detail": "116 123, free, day or night", "url": "tel:116123"}]
    code = "import django; django.setup(); from django.conf import settings; print(settings.CRISIS_LINES[0]['name'])"

    result = run(code, {"DEBUG": "true", "CRISIS_LINES_JSON": json.dumps(lines)}, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "Samaritans"


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "x"}',
        "[]",
        '[{"name": "x"}]',
        '[{"name": "x", "detail": "y", "url": "javascript:alert(1)"}]',
        "not json",
    ],
)
def test_malformed_crisis_lines_fail_loudly(raw: str, tmp_path: Path):
    result = run(SHOW, {"DEBUG": "true", "CRISIS_LINES_JSON": raw}, tmp_path)

    assert result.returncode != 0
    assert "CRISIS_LINES_JSON" in result.stderr
