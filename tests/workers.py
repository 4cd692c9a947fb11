"""Start a real Celery worker as a subprocess, wait for it, and stop (or kill) it.

Used by the worker tests. The worker runs in its own process group, so ``stop()`` and ``kill()``
reach everything it started (prefork pool children, an embedded beat) and nothing outlives a test.
Its stdout and stderr go to a log file, read back for readiness and for failure messages.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import pytest
from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def worker_database_url() -> str:
    """A DATABASE_URL for the database this test run is using (the test database, not the real one)."""
    db: Mapping[str, Any] = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail(f"Worker tests need PostgreSQL; the test run uses {db['ENGINE']}.")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    # A socket directory such as /var/run/postgresql is percent-encoded, which dj-database-url reads.
    host = quote(db.get("HOST") or "localhost", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"


def worker_env(**overrides: str | None) -> dict[str, str]:
    """This process's environment with ``overrides`` applied; ``None`` removes a variable."""
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="repair.settings", PYTHONUNBUFFERED="1")
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def wait_until[T](
    probe: Callable[[], T | None], *, timeout: float, describe: Callable[[], str]
) -> T:
    """Call ``probe`` until it returns something other than None/False; fail with ``describe()``."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s: {describe()}", pytrace=False)
        time.sleep(0.1)


@dataclass
class Worker:
    """A running ``celery worker`` subprocess."""

    process: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self, *, tail: int | None = None) -> str:
        text = self.log_path.read_text(errors="replace")
        return text[-tail:] if tail else text

    def describe(self) -> str:
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"worker pid {self.pid} ({state}); its output:\n{self.output(tail=12_000)}"

    def wait_for_output(self, pattern: str, *, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """Wait until the worker's output matches the regular expression ``pattern``."""
        regex = re.compile(pattern)

        def probe() -> re.Match[str] | None:
            found = regex.search(self.output())
            if found is None and self.process.poll() is not None:
                pytest.fail(f"The worker exited before printing {pattern!r}: {self.describe()}")
            return found

        return wait_until(
            probe, timeout=timeout, describe=lambda: f"no {pattern!r} from the {self.describe()}"
        )

    def wait_until_ready(self, *, timeout: float = START_TIMEOUT) -> None:
        """Wait for Celery's "<nodename> ready." line: connected to the broker and consuming."""
        self.wait_for_output(r"\S+@\S+ ready\.", timeout=timeout)

    def stop(self, *, timeout: float = STOP_TIMEOUT) -> int | None:
        """Warm shutdown (SIGTERM); SIGKILL the whole group if it has not exited in ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        # Also reaps pool children or a beat process left behind by a main process that did exit.
        return self.kill()

    def kill(self) -> int | None:
        """SIGKILL the worker and everything it started, at once: a crash, mid-task or not.

        Its children may show as zombies for a moment until init reaps them; they are dead and hold
        nothing (their database connections and broker sockets are closed by the kernel)."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        try:
            returncode = self.process.wait(STOP_TIMEOUT)
        finally:
            self._log.close()
        return returncode


def start_worker(
    args: Sequence[str], *, env: Mapping[str, str], log_path: Path, ready: bool = True
) -> Worker:
    """Start ``celery -A repair worker <args>`` and (by default) wait until it is consuming."""
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "repair", "worker", *args],
        cwd=PROJECT_DIR,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so kill() reaches its children
    )
    worker = Worker(process=process, log_path=log_path, _log=log)
    if ready:
        try:
            worker.wait_until_ready()
        except BaseException:
            worker.kill()
            raise
    return worker


@contextmanager
def running_worker(
    args: Sequence[str], *, env: Mapping[str, str], log_path: Path, ready: bool = True
) -> Iterator[Worker]:
    """``start_worker`` that always stops the worker (SIGKILL if need be) on the way out."""
    worker = start_worker(args, env=env, log_path=log_path, ready=ready)
    try:
        yield worker
    finally:
        worker.stop()
