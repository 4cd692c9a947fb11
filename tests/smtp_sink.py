"""A real SMTP server for tests and benchmarks: aiosmtpd on 127.0.0.1, counting what it accepted.

Workers reach it with ``sink.env()`` (``EMAIL_HOST``/``EMAIL_PORT``, no TLS). It can be slowed down in
``RCPT`` (before any message data is transferred, so a worker killed during the delay has delivered
nothing) and can answer ``451`` (try again later) to the first few messages.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

HOST = "127.0.0.1"
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"


def free_port() -> int:
    """A port nothing listens on right now. aiosmtpd's controller checks that its server answers by
    connecting to the port it was given, so it needs a real number, not 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass(frozen=True)
class Accepted:
    recipients: tuple[str, ...]
    connection: str
    data_started_at: float
    accepted_at: float


class _SMTP(SMTP):
    """aiosmtpd's server, noting on the envelope when the DATA command came (no hook has it)."""

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 (aiosmtpd's method name)
        if self.envelope is not None:
            self.envelope.data_started_at = time.time()  # type: ignore[attr-defined]
        await super().smtp_DATA(arg)


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _SMTP(self.handler, **self.SMTP_kwargs)


class SinkHandler:
    """aiosmtpd handler hooks. Runs on the controller's event loop thread; every list it keeps is
    guarded by a lock, since tests read them from the main thread."""

    def __init__(
        self,
        *,
        rcpt_delay: float = 0.0,
        refuse_first: int = 0,
        refuse_reply: str = TEMPORARY_FAILURE,
        slow_recipients: frozenset[str] = frozenset(),
    ) -> None:
        self.rcpt_delay = rcpt_delay
        self.refuse_first = refuse_first
        self.refuse_reply = refuse_reply
        # Only these addresses are slowed down (every one when empty).
        self.slow_recipients = slow_recipients
        self._attempt_ids: list[str] = []  # the Message-ID of every DATA, refused or accepted
        self._lock = threading.Lock()
        self._messages: list[tuple[str, ...]] = []
        self._raw: list[bytes] = []  # each accepted message as it came over the wire
        self._connections: list[str] = []  # the client address and port each message came from
        self._refused = 0
        # time.perf_counter() when the first and the latest message were accepted.
        self.first_at: float | None = None
        self.last_at: float | None = None
        # Set each time a RCPT command starts (before its delay): a test waiting on it knows a
        # worker is inside a message that has not been transferred yet.
        self.rcpt_started = threading.Event()
        # For each accepted message: its recipients, its connection, and two wall-clock times
        # (time.time(), comparable with a worker's timezone.now() on the same machine): when the
        # sink was about to answer DATA with 354 (the client sends the message when it reads
        # that), and when it accepted the message (before its 250 went back).
        self._timeline: list[Accepted] = []

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.rcpt_started.set()
        if self.rcpt_delay and (not self.slow_recipients or address in self.slow_recipients):
            await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = bytes(envelope.original_content or envelope.content or b"")
        with self._lock:
            found = re.search(rb"^Message-ID: *(\S+)", content, re.MULTILINE | re.IGNORECASE)
            self._attempt_ids.append(found[1].decode() if found else "")
            if self._refused < self.refuse_first:
                self._refused += 1
                return self.refuse_reply
            # Recorded before the 250 goes back: from here the message counts as delivered.
            self._messages.append(tuple(envelope.rcpt_tos))
            self._raw.append(bytes(envelope.original_content or envelope.content or b""))
            self._connections.append(str(session.peer))
            self._timeline.append(
                Accepted(
                    recipients=tuple(envelope.rcpt_tos),
                    connection=str(session.peer),
                    data_started_at=getattr(envelope, "data_started_at", 0.0),
                    accepted_at=time.time(),
                )
            )
            self.last_at = time.perf_counter()
            if self.first_at is None:
                self.first_at = self.last_at
        return "250 Message accepted for delivery"

    @property
    def timeline(self) -> list[Accepted]:
        """Every accepted message with its connection and times, in order of arrival."""
        with self._lock:
            return list(self._timeline)

    @property
    def messages(self) -> list[tuple[str, ...]]:
        """The recipients of each accepted message, in order of arrival."""
        with self._lock:
            return list(self._messages)

    @property
    def message_ids(self) -> list[str]:
        """The Message-ID of every message the server was offered, refused or accepted."""
        with self._lock:
            return list(self._attempt_ids)

    @property
    def raw(self) -> list[bytes]:
        """The bytes of each accepted message (headers and body), in order of arrival."""
        with self._lock:
            return list(self._raw)

    @property
    def recipients(self) -> list[str]:
        """Every recipient of every accepted message (one entry per delivery)."""
        return [address for message in self.messages for address in message]

    def per_connection(self) -> Counter[str]:
        """How many messages arrived over each SMTP connection (a worker opens one per batch)."""
        with self._lock:
            return Counter(self._connections)

    def per_recipient(self) -> Counter[str]:
        return Counter(self.recipients)

    @property
    def refused(self) -> int:
        with self._lock:
            return self._refused

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)


class Sink:
    """A running SMTP server: ``handler`` holds what it received."""

    def __init__(self, controller: Controller, handler: SinkHandler, port: int) -> None:
        self.controller = controller
        self.handler = handler
        self.port = port

    def env(self) -> dict[str, str]:
        """The environment a worker needs to send its mail here."""
        return {
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(self.port),
            # Explicit: settings.py turns TLS on by default only for port 587, but say so anyway.
            "EMAIL_USE_TLS": "false",
            "EMAIL_USE_SSL": "false",
        }


@contextmanager
def smtp_sink(
    *,
    rcpt_delay: float = 0.0,
    refuse_first: int = 0,
    refuse_reply: str = TEMPORARY_FAILURE,
    slow_recipients: frozenset[str] = frozenset(),
) -> Iterator[Sink]:
    """Start an SMTP server on 127.0.0.1 at a fixed free port; stop it on the way out."""
    # aiosmtpd logs every command at INFO; a bench sends a hundred thousand messages.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = SinkHandler(
        rcpt_delay=rcpt_delay,
        refuse_first=refuse_first,
        refuse_reply=refuse_reply,
        slow_recipients=slow_recipients,
    )
    port = free_port()
    controller = _Controller(
        handler,
        hostname=HOST,
        port=port,
        # Naming the server skips aiosmtpd's getfqdn() lookup, which can stall without DNS.
        server_hostname="sink.localhost",
        ready_timeout=10.0,
    )
    controller.start()
    try:
        yield Sink(controller, handler, port)
    finally:
        controller.stop()
