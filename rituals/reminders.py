"""Reminder emails, sent exactly once.

- ``sync_user`` / ``sync_ritual`` keep one ``Reminder`` row per person and purpose, with
  ``next_due_at`` set (or null when off). Call them after any change to settings or rituals.
- ``tick`` runs every minute from beat: it claims due reminders with ``SELECT … FOR UPDATE SKIP
  LOCKED``, writes one ``ReminderSend`` per occurrence (unique on reminder + due time, so two ticks or
  two beats cannot make two), advances ``next_due_at`` in the person's zone, and enqueues sends in
  batches after commit. It also re-enqueues sends a dead worker left behind.
- ``send`` claims each ``ReminderSend`` with a conditional update before the email goes out, and
  records "sent" right after it, in the same statement as the next email's claim: one plain SQL
  statement, and one commit, per email.

See docs/architecture.md, "Reminders", for the failure windows that remain and why they are safe.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import mailers
from django.db import connection as db
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from checkins.models import CheckIn
from repair.mail import CompactEmail
from repair.models import Membership, User
from repair.services import heartbeat_record
from rituals.library import BY_SLUG
from rituals.models import (
    Cadence,
    Reminder,
    ReminderKind,
    ReminderSend,
    ReminderSettings,
    ScheduledRitual,
    SendStatus,
)
from rituals.schedule import Rule, in_quiet_hours, next_due

log = logging.getLogger(__name__)


def settings_for(*, user: User) -> ReminderSettings:
    found = ReminderSettings.objects.filter(user=user).first()
    return found or ReminderSettings(user=user)


def _first_due(*, user: User, rule: Rule, now: datetime, prefs: ReminderSettings) -> datetime:
    return _next_after(rule=rule, zone=user.zoneinfo, now=now, paused_until=prefs.paused_until)


def _next_after(
    *, rule: Rule, zone: ZoneInfo, now: datetime, paused_until: datetime | None
) -> datetime:
    """The rule's first time after now, or after the pause if one is running."""
    after = paused_until if paused_until and paused_until > now else now
    return next_due(after=after, rule=rule, zone=zone)


def sync_user(*, user: User, now: datetime | None = None) -> None:
    """Bring this person's check-in reminder and every ritual reminder in line with their settings
    and their couple's active rituals."""
    now = now or timezone.now()
    prefs = settings_for(user=user)
    with transaction.atomic():
        checkin = (
            Reminder.objects.select_for_update()
            .filter(user=user, kind=ReminderKind.CHECKIN)
            .first()
        )
        if prefs.checkin_enabled:
            due = _first_due(
                user=user, rule=Rule(cadence="daily", at=prefs.checkin_time), now=now, prefs=prefs
            )
            if checkin is None:
                Reminder.objects.create(user=user, kind=ReminderKind.CHECKIN, next_due_at=due)
            else:
                Reminder.objects.filter(pk=checkin.pk).update(next_due_at=due)
        elif checkin is not None:
            Reminder.objects.filter(pk=checkin.pk).update(next_due_at=None)
        rituals = ScheduledRitual.objects.filter(
            couple__memberships__user=user, couple__memberships__left_at__isnull=True
        )
        _sync_rituals(user=user, rituals=rituals, prefs=prefs, now=now)
        # Rituals of couples the person has left, or that were stopped: off.
        Reminder.objects.filter(user=user, kind=ReminderKind.RITUAL).exclude(
            ritual__in=rituals
        ).update(next_due_at=None)


def sync_ritual(*, ritual: ScheduledRitual, now: datetime | None = None) -> None:
    """After a ritual was scheduled, changed, paused, resumed or stopped."""
    members = User.objects.filter(
        memberships__couple=ritual.couple_id, memberships__left_at__isnull=True
    )
    for user in members:
        sync_user(user=user, now=now)


def _sync_rituals(
    *, user: User, rituals: Iterable[ScheduledRitual], prefs: ReminderSettings, now: datetime
) -> None:
    for ritual in rituals:
        wanted = (
            prefs.rituals_enabled
            and ritual.is_active
            and (ritual.person_id is None or ritual.person_id == user.pk)
        )
        due = _first_due(user=user, rule=ritual.rule, now=now, prefs=prefs) if wanted else None
        updated = Reminder.objects.filter(
            user=user, kind=ReminderKind.RITUAL, ritual=ritual
        ).update(next_due_at=due)
        if not updated and due is not None:
            Reminder.objects.create(
                user=user, kind=ReminderKind.RITUAL, ritual=ritual, next_due_at=due
            )


# --- the tick ---------------------------------------------------------------------------------------

# A reminder more than this late is recorded as skipped: a nudge at the wrong time of day is worse
# than none.
LATE_AFTER = timedelta(hours=2)
# A send claimed this long ago by a worker that never finished is taken over (longer than a task's
# hard time limit, so the first worker is surely gone).
LEASE = timedelta(minutes=5)
# A send still pending this long after it was made was lost in the queue: enqueue it again.
REQUEUE_AFTER = timedelta(minutes=2)
ENQUEUE_CHUNK = 200
# Up to this many distinct next times in a batch are saved with one UPDATE each (_save_next_due).
SAVE_GROUPS_MAX = 50


@dataclass(frozen=True)
class TickResult:
    claimed: int
    enqueued: int
    requeued: int


# What the tick reads of each due reminder: plain values, no model instances (building 3,000 of
# them per batch of 1,000 was a quarter of the tick). Missing settings mean the defaults.
_DUE_FIELDS = (
    "pk",
    "next_due_at",
    "kind",
    "user__time_zone",
    "user__reminder_settings__checkin_time",
    "user__reminder_settings__paused_until",
    "ritual__cadence",
    "ritual__local_time",
    "ritual__weekday",
    "ritual__day_of_month",
)
_DEFAULT_CHECKIN_TIME = time.fromisoformat(
    str(ReminderSettings._meta.get_field("checkin_time").get_default())
)


def _next_for(row: tuple[Any, ...], now: datetime) -> datetime | None:
    """The reminder's next time after ``now``, from one ``_DUE_FIELDS`` row; None if it has no
    rule any more (a ritual reminder whose ritual is gone)."""
    _pk, _due, kind, zone, checkin_time, paused_until, cadence, at, weekday, day = row
    if kind == ReminderKind.CHECKIN:
        rule = Rule(cadence="daily", at=checkin_time or _DEFAULT_CHECKIN_TIME)
    elif kind == ReminderKind.RITUAL and cadence is not None:
        rule = Rule(
            cadence=cadence,
            at=at,
            weekday=weekday if cadence == Cadence.WEEKLY else None,
            day_of_month=day if cadence == Cadence.MONTHLY else None,
        )
    else:
        return None
    return _next_after(rule=rule, zone=ZoneInfo(zone), now=now, paused_until=paused_until)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def tick(
    *,
    now: datetime | None = None,
    batch_size: int = 1000,
    enqueue: Callable[[list[int]], None] | None = None,
) -> TickResult:
    """Claim every due reminder, record one send per occurrence, move each reminder on to its next
    time, and enqueue the sends once the transaction has committed."""
    now = now or timezone.now()
    enqueue = enqueue or _enqueue
    claimed = enqueued = 0
    while True:
        with transaction.atomic():
            due = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(next_due_at__lte=now)
                .order_by("next_due_at")
                .values_list(*_DUE_FIELDS)[:batch_size]
            )
            if not due:
                break
            ids = _record_sends(reminder_ids=[row[0] for row in due], now=now)
            # From now, not from the missed time: after downtime, one late send, not a burst.
            _save_next_due([(row[0], _next_for(row, now)) for row in due])
            transaction.on_commit(partial(_enqueue_all, enqueue, ids))
        claimed += len(due)
        enqueued += len(ids)
        if len(due) < batch_size:
            break
    requeued = _requeue_stuck(now=now, enqueue=enqueue)
    heartbeat_record(name="reminders-tick", now=now)
    return TickResult(claimed=claimed, enqueued=enqueued, requeued=requeued)


def _record_sends(*, reminder_ids: list[int], now: datetime) -> list[int]:
    """One pending ``ReminderSend`` per reminder for its current due time, in one statement, and
    the ids of the rows this tick made. The unique (reminder, due time) makes a second tick, or a
    second beat, a no-op here (``ON CONFLICT DO NOTHING``): a row another tick made is enqueued
    by that tick. Plain SQL because the ORM's ``bulk_create`` spent more time preparing 1,000
    objects than PostgreSQL spent inserting them, and could not say which rows were new."""
    sends, reminders = _table(ReminderSend), _table(Reminder)
    marks = ", ".join(["%s"] * len(reminder_ids))
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {sends} (reminder_id, due_at, status, reason, attempts, created_at) "  # noqa: S608
            f"SELECT id, COALESCE(next_due_at, %s), %s, '', 0, %s FROM {reminders} "
            f"WHERE id IN ({marks}) "
            "ON CONFLICT (reminder_id, due_at) DO NOTHING RETURNING id",
            [_db_time(now), SendStatus.PENDING, _db_time(now), *reminder_ids],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _save_next_due(moves: list[tuple[int, datetime | None]]) -> None:
    """Write each reminder's new ``next_due_at``. Reminders due in the same minute mostly share
    their next time (same rule, same zone), so it is one plain UPDATE per distinct time (of which
    a batch of 1,000 has a handful), and a CASE per row only when there are many."""
    by_time: dict[datetime | None, list[int]] = defaultdict(list)
    for pk, moment in moves:
        by_time[moment].append(pk)
    if len(by_time) > SAVE_GROUPS_MAX:
        Reminder.objects.bulk_update(
            [Reminder(pk=pk, next_due_at=moment) for pk, moment in moves], ["next_due_at"]
        )
        return
    table = _table(Reminder)
    with db.cursor() as cursor:
        for moment, pks in by_time.items():
            marks = ", ".join(["%s"] * len(pks))
            cursor.execute(
                f"UPDATE {table} SET next_due_at = %s WHERE id IN ({marks})",  # noqa: S608
                [None if moment is None else _db_time(moment), *pks],
            )


def _enqueue_all(enqueue: Callable[[list[int]], None], ids: list[int]) -> None:
    for chunk in _chunks(ids, ENQUEUE_CHUNK):
        enqueue(chunk)


def _enqueue(ids: list[int]) -> None:
    from rituals.tasks import send_reminders

    send_reminders.delay(ids)


def _requeue_stuck(*, now: datetime, enqueue: Callable[[list[int]], None]) -> int:
    """Sends a dead worker or a lost message left behind go back on the queue. Sending them twice
    is prevented by the claim in ``send``, not by this."""
    stuck = list(
        ReminderSend.objects.filter(
            Q(status=SendStatus.PENDING, created_at__lt=now - REQUEUE_AFTER)
            | Q(status=SendStatus.SENDING, claimed_at__lt=now - LEASE)
        ).values_list("pk", flat=True)[:10_000]
    )
    _enqueue_all(enqueue, stuck)
    return len(stuck)


# --- sending -------------------------------------------------------------------------------------------


@dataclass
class SendResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    not_claimed: int = 0


def _table(model: type[Reminder] | type[ReminderSend]) -> str:
    """A model's table name, quoted, for the plain SQL below (every value there is a bound
    parameter; names come only from here)."""
    return db.ops.quote_name(model._meta.db_table)


def _db_time(moment: datetime) -> Any:
    """A datetime as the database backend stores it (SQLite keeps naive UTC text)."""
    return db.ops.adapt_datetimefield_value(moment)


class _Statements:
    """The statements sending costs, as plain SQL on one cursor (through the ORM each took about
    0.65 ms of worker CPU to build, for a statement PostgreSQL runs in 0.1 ms).

    Each email needs two durable facts: its claim before the email goes out, and "sent" right
    after the mail server's 250. Each is its own commit, and a commit waits for the write-ahead log
    to reach the disk (about 1 ms here, and most of a worker's waiting). So "sent" for one email is
    written by the same statement, and commit, as the claim of the next: nothing happens between
    the two but a dictionary lookup, so the record is as prompt as before, and a batch costs one
    commit per email instead of two. The last email of a batch, or one followed by a send that is
    already final (nothing to claim), gets a statement of its own (``record``)."""

    def __init__(self, cursor: Any) -> None:
        table = _table(ReminderSend)
        by_state = "id = %s AND status = %s"
        claimable = "(status = %s OR (status = %s AND claimed_at < %s))"
        self.cursor = cursor
        self._claim = (
            f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608
            f"WHERE id = %s AND {claimable}"
        )
        # One row is marked sent (the first id), another claimed (the second); RETURNING tells
        # which of the two matched.
        self._sent_and_claim = (
            f"UPDATE {table} SET "  # noqa: S608
            "status = CASE WHEN id = %s THEN %s ELSE %s END, "
            "sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END, "
            "claimed_at = CASE WHEN id = %s THEN claimed_at ELSE %s END, "
            "attempts = CASE WHEN id = %s THEN attempts ELSE attempts + 1 END "
            f"WHERE ({by_state}) OR (id = %s AND {claimable}) RETURNING id"
        )
        self._finish = f"UPDATE {table} SET status = %s, sent_at = %s WHERE {by_state}"  # noqa: S608
        self._back = f"UPDATE {table} SET status = %s WHERE {by_state}"  # noqa: S608
        self._skip = f"UPDATE {table} SET status = %s, reason = %s WHERE {by_state}"  # noqa: S608
        self.unrecorded: tuple[int, datetime] | None = None

    def claim(self, send_id: int, now: datetime) -> bool:
        """The conditional update that makes each send happen once: only one worker can move a
        row from pending (or from an abandoned claim) to sending. Records the email sent just
        before it, if any, in the same statement."""
        claimable = [SendStatus.PENDING, SendStatus.SENDING, _db_time(now - LEASE)]
        if self.unrecorded is None:
            self.cursor.execute(
                self._claim, [SendStatus.SENDING, _db_time(now), send_id, *claimable]
            )
            return bool(self.cursor.rowcount)
        done, sent_at = self.unrecorded
        self.unrecorded = None
        self.cursor.execute(
            self._sent_and_claim,
            [
                *(done, SendStatus.SENT, SendStatus.SENDING),
                *(done, _db_time(sent_at)),
                *(done, _db_time(now)),
                done,
                *(done, SendStatus.SENDING),
                *(send_id, *claimable),
            ],
        )
        return send_id in {row[0] for row in self.cursor.fetchall()}

    def sent(self, send_id: int, now: datetime) -> None:
        """Recorded with the next claim (see above), or by ``record``."""
        self.unrecorded = (send_id, now)

    def record(self) -> None:
        """Write a "sent" still waiting for a claim to go with."""
        if self.unrecorded is not None:
            done, sent_at = self.unrecorded
            self.unrecorded = None
            self.cursor.execute(
                self._finish, [SendStatus.SENT, _db_time(sent_at), done, SendStatus.SENDING]
            )

    def pending_again(self, send_id: int) -> None:
        self.cursor.execute(self._back, [SendStatus.PENDING, send_id, SendStatus.SENDING])

    def skipped(self, send_id: int, reason: str) -> None:
        self.cursor.execute(self._skip, [SendStatus.SKIPPED, reason, send_id, SendStatus.SENDING])


@dataclass(frozen=True)
class _Facts:
    """What the skip rules need about a whole batch, read with one query each instead of per send:
    (user id, local date) of existing check-ins and (user id, couple id) of active memberships."""

    checked_in: frozenset[tuple[int, date]] = frozenset()
    members: frozenset[tuple[int, int]] = frozenset()


def _load(send_ids: list[int]) -> dict[int, ReminderSend]:
    """The sends of a batch that can still be claimed, with their person, settings and ritual: one
    query. Sent or skipped ones are final and are left out (their claim would fail anyway)."""
    return {
        row.pk: row
        for row in ReminderSend.objects.select_related(
            "reminder__user__reminder_settings", "reminder__ritual"
        ).filter(pk__in=send_ids, status__in=[SendStatus.PENDING, SendStatus.SENDING])
    }


def _prefs(user: User) -> ReminderSettings:
    return getattr(user, "reminder_settings", None) or ReminderSettings(user=user)


def _local_day(row: ReminderSend) -> date:
    return timezone.localtime(row.due_at, row.reminder.user.zoneinfo).date()


def _facts(rows: Collection[ReminderSend]) -> _Facts:
    checkins = [row for row in rows if row.reminder.kind == ReminderKind.CHECKIN]
    rituals = [
        row.reminder
        for row in rows
        if row.reminder.kind == ReminderKind.RITUAL and row.reminder.ritual is not None
    ]
    checked_in: frozenset[tuple[int, date]] = frozenset()
    members: frozenset[tuple[int, int]] = frozenset()
    if checkins:
        checked_in = frozenset(
            CheckIn.objects.filter(
                user_id__in={row.reminder.user_id for row in checkins},
                local_date__in={_local_day(row) for row in checkins},
            ).values_list("user_id", "local_date")
        )
    if rituals:
        members = frozenset(
            Membership.objects.filter(
                user_id__in={r.user_id for r in rituals},
                couple_id__in={r.ritual.couple_id for r in rituals if r.ritual},
                left_at__isnull=True,
            ).values_list("user_id", "couple_id")
        )
    return _Facts(checked_in=checked_in, members=members)


def _skip_reason(send: ReminderSend, prefs: ReminderSettings, now: datetime, facts: _Facts) -> str:
    reminder = send.reminder
    user = reminder.user
    if not user.is_active:
        return "inactive"
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
    return ""


def send(*, send_ids: Iterable[int], now: datetime | None = None) -> SendResult:
    """Send each reminder email at most once. Safe to call twice with the same ids, in parallel,
    or after a crash.

    The batch's rows, settings, check-ins and memberships are read up front (three queries); each
    email then costs one statement and one commit: its claim, which also records the email before
    it as sent (``_Statements``). Only the claim decides who sends, so reading ahead changes
    nothing about exactly-once."""
    result = SendResult()
    ids = list(dict.fromkeys(send_ids))  # each id once, whatever the caller passed
    rows = _load(ids)
    facts = _facts(rows.values())
    connection = mailers.default
    with connection, db.cursor() as cursor:
        statements = _Statements(cursor)
        try:
            for send_id in ids:
                moment = now or timezone.now()
                row = rows.get(send_id)
                if row is None:
                    statements.record()
                    result.not_claimed += 1
                    continue
                if not statements.claim(send_id, moment):
                    result.not_claimed += 1
                    continue
                reason = _skip_reason(row, _prefs(row.reminder.user), moment, facts)
                if reason:
                    statements.skipped(send_id, reason)
                    result.skipped += 1
                    continue
                try:
                    connection.send_messages([reminder_email(row)])
                except Exception:
                    # The mail server said no or was unreachable: back to pending, for the next
                    # tick to retry, until it is late. Nothing about the person is logged.
                    log.exception("reminder.send_failed send=%s", send_id)
                    statements.pending_again(send_id)
                    result.failed += 1
                    continue
                statements.sent(send_id, timezone.now())
                result.sent += 1
        finally:
            statements.record()
    return result


def reminder_email(row: ReminderSend) -> CompactEmail:
    """A short, warm email with a neutral subject and nothing anyone wrote: the ritual's title from
    the library at most. One-click unsubscribe for this kind of reminder (RFC 8058)."""
    user = row.reminder.user
    kind = row.reminder.kind
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        if kind == ReminderKind.CHECKIN:
            subject = _("A moment for your check-in")
            template, url_name, title = "reminder_checkin", "checkins:index", ""
        else:
            ritual = row.reminder.ritual
            entry = BY_SLUG.get(ritual.ritual) if ritual else None
            subject = _("A gentle reminder")
            template, url_name = "reminder_ritual", "rituals:index"
            title = str(entry.title if entry else _("your ritual"))
    text, html = _bodies(
        template=template,
        language=language,
        url_name=url_name,
        ritual_title=title,
        site_url=settings.SITE_URL,
        site_name=settings.SITE_NAME,
    )
    unsubscribe = unsubscribe_url(token=unsubscribe_token(user=user, kind=kind))
    slots = {"name": user.name, "unsubscribe_url": unsubscribe}
    message = CompactEmail(
        subject=str(subject),
        body=_fill(text, slots),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(_fill(html, {k: escape(v) for k, v in slots.items()}), "text/html")
    return message


# A reminder's two bodies differ from person to person only in the name and the unsubscribe link,
# so each template is rendered once per kind, language and ritual with these slots in their place,
# and every email fills them in (rendering both templates was a fifth of the cost of an email).
_SLOT = re.compile("\x00(name|unsubscribe_url)\x00")


@functools.lru_cache(maxsize=256)
def _bodies(
    *,
    template: str,
    language: str,
    url_name: str,
    ritual_title: str,
    site_url: str,
    site_name: str,
) -> tuple[str, str]:
    context = {
        "name": "\x00name\x00",
        "unsubscribe_url": "\x00unsubscribe_url\x00",
        "url": site_url + reverse(url_name),
        "ritual_title": ritual_title,
        "site_name": site_name,
    }
    with translation.override(language):
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return text, html


def _fill(skeleton: str, values: dict[str, str]) -> str:
    """Each slot replaced in one pass, so a value that looks like a slot stays as it is."""
    return _SLOT.sub(lambda match: values[match[1]], skeleton)


# --- unsubscribing --------------------------------------------------------------------------------------

UNSUBSCRIBE_SALT = "rituals.unsubscribe"


def unsubscribe_token(*, user: User, kind: str) -> str:
    """A signed, unguessable token naming one person and one kind of reminder. It cannot be made for
    anyone else without the secret key."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, token: str) -> str:
    """The absolute one-click link for a token (its path reversed once, not for every email)."""
    before, after = _unsubscribe_path(settings.SITE_URL)
    return f"{before}{token}{after}"


@functools.lru_cache(maxsize=8)
def _unsubscribe_path(site_url: str) -> tuple[str, str]:
    marker = "TOKEN"
    before, after = reverse("unsubscribe", kwargs={"token": marker}).split(marker)
    return site_url + before, after


def unsubscribe_read(*, token: str) -> tuple[User, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=365))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in ReminderKind.values:
        return None
    user_id = data.get("u")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return (user, data["k"]) if user else None


def unsubscribe(*, user: User, kind: str) -> None:
    """Turn off one kind of reminder for one person; the others stay as they were."""
    field = {
        ReminderKind.CHECKIN: "checkin_enabled",
        ReminderKind.RITUAL: "rituals_enabled",
        ReminderKind.NOTE: "notes_email_enabled",
    }[ReminderKind(kind)]
    ReminderSettings.objects.update_or_create(user=user, defaults={field: False})
    sync_user(user=user)
