"""Mail plumbing: a local outbox (each message becomes one .eml file under var/outbox, shown at
/outbox/) and ``CompactEmail``, the cheaper message build the reminder burst uses."""

from __future__ import annotations

import binascii
import functools
import re
import secrets
import uuid
from collections.abc import Sequence
from email.header import Header
from email.message import Message
from email.policy import SMTP as SMTP_POLICY
from email.policy import Compat32, Policy
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends import smtp
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.utils import timezone


class OutboxBackend(BaseEmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(settings.EMAIL_OUTBOX_DIR)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes())
        return len(email_messages)


def outbox_messages(*, limit: int = 50) -> list[dict[str, str]]:
    """The newest messages in the outbox, parsed for display."""
    # Only the development outbox reads mail back.
    from email import policy
    from email.parser import BytesParser

    folder = Path(settings.EMAIL_OUTBOX_DIR)
    if not folder.exists():
        return []
    messages = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = parsed.get_body(preferencelist=("plain",))
        messages.append(
            {
                "id": path.stem,
                "to": str(parsed["To"] or ""),
                "subject": str(parsed["Subject"] or ""),
                "date": str(parsed["Date"] or ""),
                "body": body.get_content() if body is not None else "",
            }
        )
    return messages


# A plain ASCII addr-spec: nothing to parse, quote or encode, and no room for a line break.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


# Addresses other than plain ones (the sender's, mostly) remembered per connection object.
PREPARED_KEPT = 16


class SMTPBackend(smtp.EmailBackend):
    """Django's SMTP backend, minus one cost: it parses every envelope address with the standard
    library's modern header parser (about 0.6 ms each, two per email, a quarter of the reminder
    burst's sending cost). A plain ASCII ``local@domain`` comes out of that parse unchanged, so
    it is passed as it is; anything else (a display name, a non-ASCII domain) takes Django's
    path, with its validation and IDNA encoding."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepared: dict[tuple[str, bool], str] = {}

    def prep_address(self, address: str, force_ascii: bool = True) -> str:
        if _PLAIN_ADDRESS.fullmatch(address):
            return address
        # Anything else parsed once per connection object and remembered: the sender's
        # ``Name <address>`` is the same on every email and cost 0.3 ms each time. An invalid one
        # raises and is not remembered.
        key = (address, force_ascii)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = str(super().prep_address(address, force_ascii=force_ascii))
            if len(self._prepared) < PREPARED_KEPT:
                self._prepared[key] = prepared
        return prepared


class _Verbatim(Compat32):
    """``compat32`` that writes ASCII header values as they are instead of running each one through
    ``email.header.Header`` to fold it (most of the cost of serialising a short message). Values
    are checked for line breaks when set and are far below RFC 5322's 998-character line limit;
    non-ASCII values keep the standard path (RFC 2047 words)."""

    def fold(self, name: str, value: Any) -> str:
        if isinstance(value, str) and value.isascii():
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii():
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


class CompactEmail(EmailMultiAlternatives):
    """A text email with at most one HTML alternative and no attachments, built with the standard
    library's ``compat32`` message classes instead of Django 6's modern-policy build.

    For the reminder burst (100,000 emails a minute is the target) the modern build was the largest
    cost per email, about ten times this one. It also folded long header values into RFC 2047
    encoded-words, which turned ``List-Unsubscribe: <https://…>`` into ``=?utf-8?q?…?=`` and broke
    one-click unsubscribing in mail clients; here ASCII header values are kept as they are.

    Bodies are UTF-8, quoted-printable (``binascii``'s C encoder). The multipart boundary contains
    ``=_``, which quoted-printable text can never contain, so it needs no search of the bodies."""

    def message(self, *, policy: Policy = SMTP_POLICY) -> Message:  # type: ignore[override]
        if self.attachments or len(self.alternatives) > 1 or self.cc or self.reply_to:
            raise ValueError("CompactEmail takes a body and at most one HTML alternative.")
        verbatim = _Verbatim(linesep=policy.linesep)
        text = _text_part(str(self.body), "plain", verbatim)
        msg: Message
        if self.alternatives:
            msg = Message(policy=verbatim)
            msg["Content-Type"] = (
                f'multipart/alternative; boundary="=_{secrets.token_hex(12)}_mend"'
            )
            msg.attach(text)
            msg.attach(_text_part(str(self.alternatives[0][0]), "html", verbatim))
        else:
            msg = text
        msg["MIME-Version"] = "1.0"
        msg["Subject"] = _header(str(self.subject))
        msg["From"] = _address(str(self.extra_headers.get("From", self.from_email)))
        msg["To"] = ", ".join(_address(str(to)) for to in self.to)
        names = {name.lower() for name in self.extra_headers}
        if "date" not in names:
            local = settings.EMAIL_USE_LOCALTIME
            msg["Date"] = formatdate(localtime=True) if local else formatdate(usegmt=True)
        if "message-id" not in names:
            msg["Message-ID"] = make_msgid(domain=DNS_NAME)
        for name, value in self.extra_headers.items():
            if name.lower() not in {"from", "to", "cc", "reply-to", "bcc"}:
                msg[name] = _header(str(value))
        return msg


def _text_part(content: str, subtype: str, policy: Policy) -> Message:
    part = Message(policy=policy)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(content.encode("utf-8")).decode("ascii"))
    return part


def _header(value: str) -> Any:
    """The value as it is when ASCII, else RFC 2047 words (a ``Header``, which ``Message`` takes at
    run time, though its stubs say ``str``)."""
    _one_line(value)
    return value if value.isascii() else _Words(value, "utf-8")


def _one_line(value: str) -> None:
    """A header (or address) with a line break could smuggle in headers of its own."""
    if "\n" in value or "\r" in value:
        raise ValueError("A header value may not contain a line break.")


class _Words(Header):
    """RFC 2047 encoded-words folded at the RFC's 76 characters, whatever the policy asks."""

    def encode(
        self, splitchars: str = ";, \t", maxlinelen: int | None = None, linesep: str = "\n"
    ) -> str:
        return super().encode(splitchars, 76, linesep)


@functools.lru_cache(maxsize=64)
def _address(value: str) -> str:
    """The header form of an address; the sender's, the same on every email, is remembered."""
    _one_line(value)
    name, addr = parseaddr(value)
    local, at, domain = addr.rpartition("@")
    if at and not domain.isascii():
        addr = f"{local}@{domain.encode('idna').decode('ascii')}"
    return formataddr((name, addr), charset="utf-8")
