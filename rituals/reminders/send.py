"""Step 3, sending: each ``ReminderSend`` is claimed, sent and recorded on its own.

For one email: a conditional UPDATE claims the row (``pending → sending``, or a ``sending`` claim
older than the lease) and returns its attempt number, the claim's token; the email goes out with a
socket timeout small enough that the whole attempt ends well inside half the lease; the outcome is
written at once, in its own autocommit statement, and only for the attempt this worker claimed (a
stale worker's late "sent" cannot overwrite another's). So a worker killed at any moment has at
most one email it delivered and did not record: the one whose server reply it had just read.

The outcome: "sent"; "refused" for a permanent refusal (a 5xx reply), never retried; back to
"pending" with a growing ``next_attempt_at`` for a temporary one (a 4xx reply, a timeout, a
dropped connection), which the tick re-enqueues until it is late. One slow or failing recipient
costs at most one attempt's timeout, and the batch goes on (over a new connection if need be).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Collection, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection as db
from django.utils import timezone

from checkins.models import CheckIn, CheckinPreferences
from repair.couples.models import Membership, SafetyCheck, User
from rituals.models import Reminder, ReminderKind, ReminderSend, ReminderSettings, SendStatus
from rituals.reminders.emails import reminder_email
from rituals.schedule import in_quiet_hours

log = logging.getLogger(__name__)

# A reminder more than this late is recorded as skipped: a nudge at the wrong time of day is worse
# than none. The weekly summary keeps its own, longer, half a day.
LATE_AFTER = timedelta(hours=2)
SUMMARY_LATE_AFTER = timedelta(hours=12)
# A send still pending this long after it was made was lost in the queue: enqueue it again.
REQUEUE_AFTER = timedelta(minutes=2)
# After the first temporary failure, wait this long; then twice as long each time.
BACKOFF_FIRST = timedelta(minutes=1)
# Socket operations one attempt can need after its claim: connect, EHLO (when the connection must
# be opened again), MAIL, RCPT, DATA, the message and its reply, RSET after a refusal. Each one
# gets at most (lease / 2) / this, so an attempt ends before half its lease, however slow the
# server is.
ROUND_TRIPS = 8


def lease() -> timedelta:
    """A claim older than this is taken over: its worker is surely gone (every attempt ends before
    half of it, and a task's hard time limit is shorter still)."""
    return timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def table(model: type[Reminder] | type[ReminderSend]) -> str:
    """A model's table name, quoted, for plain SQL (every value there is a bound parameter; names
    come only from here)."""
    return db.ops.quote_name(model._meta.db_table)


def db_time(moment: datetime) -> Any:
    """A datetime as the database backend stores it (SQLite keeps naive UTC text)."""
    return db.ops.adapt_datetimefield_value(moment)


@dataclass
class SendResult:
    sent: int = 0
    skipped: int = 0
    refused: int = 0
    failed: int = 0
    not_claimed: int = 0


class _Statements:
    """The statements sending costs, as plain SQL on one cursor (through the ORM each took about
    0.65 ms of worker CPU to build, for a statement PostgreSQL runs in 0.1 ms). Each is its own
    commit: the claim before the email goes out, the outcome the moment it is known."""

    def __init__(self, cursor: Any) -> None:
        sends = table(ReminderSend)
        mine = "id = %s AND status = %s AND attempts = %s"
        self.cursor = cursor
        self._claim = (
            f"UPDATE {sends} SET status = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608
            "WHERE id = %s AND ("
            "(status = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s)) "
            "OR (status = %s AND claimed_at < %s)) RETURNING attempts"
        )
        self._sent = (
            f"UPDATE {sends} SET status = %s, sent_at = %s, reason = '', "  # noqa: S608
            f"next_attempt_at = NULL WHERE {mine}"
        )
        self._retry = (
            f"UPDATE {sends} SET status = %s, reason = %s, next_attempt_at = %s "  # noqa: S608
            f"WHERE {mine}"
        )
        self._final = f"UPDATE {sends} SET status = %s, reason = %s WHERE {mine}"  # noqa: S608

    def claim(self, send_id: int, now: datetime) -> int | None:
        """The conditional update that makes each send happen once: only one worker can move a
        row from pending (its back-off over) or from an abandoned claim to sending. The attempt
        number it returns is this claim's token."""
        self.cursor.execute(
            self._claim,
            [
                SendStatus.SENDING,
                db_time(now),
                send_id,
                SendStatus.PENDING,
                db_time(now),
                SendStatus.SENDING,
                db_time(now - lease()),
            ],
        )
        row = self.cursor.fetchone()
        return None if row is None else int(row[0])

    def sent(self, send_id: int, attempt: int, at: datetime) -> None:
        self.cursor.execute(
            self._sent, [SendStatus.SENT, db_time(at), send_id, SendStatus.SENDING, attempt]
        )

    def retry(self, send_id: int, attempt: int, reason: str, at: datetime) -> None:
        wait = min(BACKOFF_FIRST * 2 ** (attempt - 1), LATE_AFTER)
        self.cursor.execute(
            self._retry,
            [
                SendStatus.PENDING,
                reason,
                db_time(at + wait),
                send_id,
                SendStatus.SENDING,
                attempt,
            ],
        )

    def final(self, send_id: int, attempt: int, status: str, reason: str) -> None:
        self.cursor.execute(self._final, [status, reason, send_id, SendStatus.SENDING, attempt])


class Outcome(Enum):
    SENT = "sent"
    REFUSED = "refused"  # a 5xx: the server will never take it
    TEMPORARY = "temporary"  # a 4xx: try again later
    BROKEN = "broken"  # a timeout or a dropped connection: try again, over a new connection


class Mailer:
    """The batch's one SMTP connection, opened when first needed and again after it broke, with
    every socket operation bounded (see ``ROUND_TRIPS``)."""

    def __init__(self, backend: BaseEmailBackend) -> None:
        self.backend = backend
        bound = lease().total_seconds() / 2 / ROUND_TRIPS
        configured = getattr(backend, "timeout", None)
        if hasattr(backend, "timeout"):
            # Read by smtplib when the connection opens, for connect and every later operation.
            backend.timeout = min(configured or bound, bound)

    def deliver(self, message: EmailMessage) -> tuple[Outcome, int | None]:
        """Send one message: its outcome and the server's reply code when there was one."""
        try:
            self.backend.open()
            delivered = self.backend.send_messages([message])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            return _by_code(min(codes) if codes else None)
        except smtplib.SMTPResponseException as error:
            if isinstance(error, smtplib.SMTPServerDisconnected) or error.smtp_code < 0:
                self.close()
                return Outcome.BROKEN, None
            return _by_code(error.smtp_code)
        except (smtplib.SMTPException, OSError):
            self.close()
            return Outcome.BROKEN, None
        return (Outcome.SENT, None) if delivered else (Outcome.BROKEN, None)

    def close(self) -> None:
        # A broken connection can fail to close in any way; it is dropped either way.
        with suppress(Exception):
            self.backend.close()


def _by_code(code: int | None) -> tuple[Outcome, int | None]:
    if code is not None and 500 <= code < 600:
        return Outcome.REFUSED, code
    return Outcome.TEMPORARY, code


@dataclass(frozen=True)
class _Facts:
    """What the skip rules need about a whole batch, read with one query each instead of per send:
    (user id, local date) of existing check-ins, (user id, couple id) of active memberships, and
    who still wants the weekly summary."""

    checked_in: frozenset[tuple[int, date]] = frozenset()
    members: frozenset[tuple[int, int]] = frozenset()
    summary_wanted: frozenset[int] = frozenset()
    # People taking time on their own after the private safety check: couple work steps aside
    # for them, so their shared rituals' reminders stop.
    aside: frozenset[int] = frozenset()


def _load(send_ids: list[int]) -> dict[int, ReminderSend]:
    """The sends of a batch that can still be claimed, with their person, settings and ritual: one
    query. Final ones are left out (their claim would fail anyway)."""
    return {
        row.pk: row
        for row in ReminderSend.objects.select_related(
            "reminder__user__reminder_settings", "reminder__ritual"
        ).filter(pk__in=send_ids, status__in=[SendStatus.PENDING, SendStatus.SENDING])
    }


def _prefs(user: User) -> ReminderSettings:
    return getattr(user, "reminder_settings", None) or ReminderSettings(user=user)


def _local_day(row: ReminderSend) -> date:
    return row.reminder.user.local_today(row.due_at)


def _facts(rows: Collection[ReminderSend]) -> _Facts:
    def of(kind: str) -> list[ReminderSend]:
        return [row for row in rows if row.reminder.kind == kind]

    checkins, summaries = of(ReminderKind.CHECKIN), of(ReminderKind.SUMMARY)
    rituals = [row.reminder for row in of(ReminderKind.RITUAL) if row.reminder.ritual is not None]
    facts = _Facts()
    if checkins:
        facts = _Facts(
            checked_in=frozenset(
                CheckIn.objects.filter(
                    user_id__in={row.reminder.user_id for row in checkins},
                    local_date__in={_local_day(row) for row in checkins},
                ).values_list("user_id", "local_date")
            )
        )
    if rituals:
        members = Membership.objects.filter(
            user_id__in={r.user_id for r in rituals},
            couple_id__in={r.ritual.couple_id for r in rituals if r.ritual},
            left_at__isnull=True,
        ).values_list("user_id", "couple_id")
        aside = SafetyCheck.objects.filter(
            user_id__in={r.user_id for r in rituals}, choice=SafetyCheck.Choice.ALONE
        ).values_list("user_id", flat=True)
        facts = _Facts(
            checked_in=facts.checked_in, members=frozenset(members), aside=frozenset(aside)
        )
    if summaries:
        wanted = CheckinPreferences.objects.filter(
            user_id__in={row.reminder.user_id for row in summaries}, weekly_summary=True
        ).values_list("user_id", flat=True)
        facts = _Facts(
            checked_in=facts.checked_in,
            members=facts.members,
            summary_wanted=frozenset(wanted),
            aside=facts.aside,
        )
    return facts


def _skip_reason(send: ReminderSend, prefs: ReminderSettings, now: datetime, facts: _Facts) -> str:
    reminder = send.reminder
    user = reminder.user
    if not user.is_active:
        return "inactive"
    if reminder.kind == ReminderKind.SUMMARY:
        # Counts of last week, at any hour of Monday's first half: no pause or quiet hours.
        if now - send.due_at > SUMMARY_LATE_AFTER:
            return "late"
        return "" if user.pk in facts.summary_wanted else "off"
    if now - send.due_at > LATE_AFTER:
        return "late"
    if prefs.paused_until and prefs.paused_until > send.due_at:
        return "paused"
    if in_quiet_hours(
        moment=send.due_at, start=prefs.quiet_start, end=prefs.quiet_end, zone=user.zoneinfo
    ):
        return "quiet"
    if reminder.kind == ReminderKind.CHECKIN:
        if not prefs.checkin_enabled:
            return "off"
        if (user.pk, _local_day(send)) in facts.checked_in:
            return "done"
    elif reminder.kind == ReminderKind.RITUAL:
        ritual = reminder.ritual
        if not prefs.rituals_enabled:
            return "off"
        if ritual is None or not ritual.is_active:
            return "stopped"
        if (user.pk, ritual.couple_id) not in facts.members:
            return "left"
        if user.pk in facts.aside:
            return "aside"
    return ""


def send(*, send_ids: Iterable[int], now: datetime | None = None) -> SendResult:
    """Send each reminder email at most once. Safe to call twice with the same ids, in parallel,
    or after a crash.

    The batch's rows, settings, check-ins and memberships are read up front (a few queries); each
    email then costs two statements, each its own commit: its claim, and its outcome written the
    moment the mail server has answered. Only the claim decides who sends, so reading ahead
    changes nothing about exactly-once."""
    result = SendResult()
    ids = list(dict.fromkeys(send_ids))  # each id once, whatever the caller passed
    rows = _load(ids)
    facts = _facts(rows.values())
    mailer = Mailer(mailers.default)
    half_lease = lease() / 2
    try:
        with db.cursor() as cursor:
            statements = _Statements(cursor)
            for send_id in ids:
                moment = now or timezone.now()
                row = rows.get(send_id)
                attempt = None if row is None else statements.claim(send_id, moment)
                if row is None or attempt is None:
                    result.not_claimed += 1
                    continue
                claimed_at = timezone.now()
                reason = _skip_reason(row, _prefs(row.reminder.user), moment, facts)
                if reason:
                    statements.final(send_id, attempt, SendStatus.SKIPPED, reason)
                    result.skipped += 1
                    continue
                message = reminder_email(row)
                if timezone.now() - claimed_at > half_lease:
                    # Building it took too long (a stalled database): not started, not sent.
                    statements.retry(send_id, attempt, "abandoned", now or timezone.now())
                    result.failed += 1
                    continue
                outcome, code = mailer.deliver(message)
                if outcome is Outcome.SENT:
                    statements.sent(send_id, attempt, timezone.now())
                    result.sent += 1
                    continue
                # The kind of failure and the reply code only: nothing about the person.
                log.warning(
                    "reminder.send_failed send=%s outcome=%s code=%s", send_id, outcome.value, code
                )
                if outcome is Outcome.REFUSED:
                    statements.final(send_id, attempt, SendStatus.REFUSED, f"smtp {code}")
                    result.refused += 1
                else:
                    reason = f"smtp {code}" if code else "unreachable"
                    statements.retry(send_id, attempt, reason, now or timezone.now())
                    result.failed += 1
    finally:
        mailer.close()
    return result
