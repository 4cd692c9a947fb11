"""Running this project's Python in a fresh interpreter, as a deployment (or a second test run)
would: ``manage.py`` commands, a snippet of code, or pytest itself. The child sees none of this
run's own settings variables (DATABASE_URL, REDIS_URL, ...), only those it is given. A helper
module, not a test module: test modules import it, never each other."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The variables repair/settings.py reads that a test run sets; a child starts without them.
OUR_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "ALLOWED_HOSTS",
    "VAR_DIR",
    "STATIC_ROOT",
    "FIELD_ENCRYPTION_KEYS",
}


def python(
    args: list[str], env: dict[str, str], tmp_path: Path, *, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python <args>`` in the repository root with only ``env`` of our variables set, and
    VAR_DIR (SQLite, the outbox, the filesystem broker) under ``tmp_path``.

    The timeout only catches a hang: migrating SQLite there and back took over 60 s on a loaded
    2-core machine."""
    clean = {k: v for k, v in os.environ.items() if k not in OUR_VARIABLES}
    clean.update({"DJANGO_SETTINGS_MODULE": "repair.settings", "VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run(
    code: str, env: dict[str, str], tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``python -c code`` or, with no code, ``python manage.py *args``."""
    return python(["-c", code] if code else ["manage.py", *args], env, tmp_path)
