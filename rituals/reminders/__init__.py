"""Reminder emails, sent once and recorded at once. One module per step:

- ``sync``: one ``Reminder`` row per person and purpose (check-in, each ritual, the weekly
  summary) with its indexed ``next_due_at``;
- ``tick``: once a minute, due reminders become ``ReminderSend`` rows, enqueued in chunks;
- ``send``: each send claimed, sent with a bounded timeout and recorded in its own commit;
- ``emails``: what each email says, its Message-ID and its one-click unsubscribe link;
- ``health``: the operator's view (``manage.py reminders_status``).

The names the rest of the project uses are gathered here. See docs/architecture.md, "Reminders".
"""

from __future__ import annotations

from rituals.reminders.emails import (
    message_id,
    reminder_email,
    unsubscribe_read,
    unsubscribe_token,
    unsubscribe_url,
)
from rituals.reminders.send import LATE_AFTER, SendResult, lease, send
from rituals.reminders.sync import settings_for, sync_ritual, sync_user, unsubscribe
from rituals.reminders.tick import ENQUEUE_CHUNK, TickResult, tick

__all__ = [
    "ENQUEUE_CHUNK",
    "LATE_AFTER",
    "SendResult",
    "TickResult",
    "lease",
    "message_id",
    "reminder_email",
    "send",
    "settings_for",
    "sync_ritual",
    "sync_user",
    "tick",
    "unsubscribe",
    "unsubscribe_read",
    "unsubscribe_token",
    "unsubscribe_url",
]
