"""A local email outbox: each message becomes one .eml file under var/outbox, shown at /outbox/."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
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
