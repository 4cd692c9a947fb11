"""Reminders: schedule maths, the per-minute tick, exactly-once sending, skips, and unsubscribing."""

from __future__ import annotations

import ast
import email.policy
import importlib
import threading
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from email.parser import BytesParser
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core import mail
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checkins.models import CheckIn, CheckinPreferences
from repair.celery import app
from repair.couples import services as couple_services
from repair.couples.models import Couple, User
from repair.lib.mail import CompactEmail, SMTPBackend
from rituals import reminders
from rituals.models import (
    Heartbeat,
    Reminder,
    ReminderKind,
    ReminderSend,
    ReminderSettings,
    ScheduledRitual,
    SendStatus,
)
from rituals.schedule import Rule, in_quiet_hours, next_due
from tests.factories import make_user
from tests.smtp_sink import smtp_sink

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone)


# --- schedule maths (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize("zone", [LONDON, NEW_YORK, SYDNEY, KOLKATA])
def test_a_daily_reminder_keeps_its_local_time_for_a_year(zone: ZoneInfo):
    rule = Rule(cadence="daily", at=time(7, 30))
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    seen = []
    for _ in range(366):
        moment = next_due(after=moment, rule=rule, zone=zone)
        seen.append(local(moment, zone))

    assert {(t.hour, t.minute) for t in seen} == {(7, 30)}
    assert len({t.date() for t in seen}) == 366  # one a day, none twice, none missed


def test_a_time_that_does_not_exist_on_the_spring_forward_day_fires_once():
    rule = Rule(cadence="daily", at=time(2, 30))  # New York jumps 02:00 → 03:00 on 8 March 2026
    fired = []
    moment = datetime(2026, 3, 6, 12, tzinfo=UTC)
    for _ in range(4):
        moment = next_due(after=moment, rule=rule, zone=NEW_YORK)
        fired.append(local(moment, NEW_YORK))

    on_the_day = [t for t in fired if t.date() == date(2026, 3, 8)]
    assert len(on_the_day) == 1
    assert (on_the_day[0].hour, on_the_day[0].minute) == (3, 30)
    assert [t.date() for t in fired] == [
        date(2026, 3, 7),
        date(2026, 3, 8),
        date(2026, 3, 9),
        date(2026, 3, 10),
    ]


def test_a_time_that_happens_twice_on_the_fall_back_day_fires_once():
    rule = Rule(cadence="daily", at=time(1, 30))  # London repeats 01:00–02:00 on 25 October 2026
    moment = datetime(2026, 10, 24, 12, tzinfo=UTC)
    fired = []
    for _ in range(3):
        moment = next_due(after=moment, rule=rule, zone=LONDON)
        fired.append(moment)

    assert [local(t, LONDON).date() for t in fired] == [
        date(2026, 10, 25),
        date(2026, 10, 26),
        date(2026, 10, 27),
    ]
    assert all((local(t, LONDON).hour, local(t, LONDON).minute) == (1, 30) for t in fired)


def test_weekly_falls_on_the_chosen_weekday_in_the_persons_zone():
    rule = Rule(cadence="weekly", at=time(19, 0), weekday=6)  # Sundays
    moment = datetime(2026, 11, 23, tzinfo=UTC)
    for _ in range(5):
        moment = next_due(after=moment, rule=rule, zone=SYDNEY)
        assert local(moment, SYDNEY).weekday() == 6
        assert local(moment, SYDNEY).hour == 19


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months():
    rule = Rule(cadence="monthly", at=time(9, 0), day_of_month=31)
    moment = datetime(2026, 1, 15, tzinfo=UTC)
    days = []
    for _ in range(4):
        moment = next_due(after=moment, rule=rule, zone=LONDON)
        days.append(local(moment, LONDON).date())

    assert days == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_quiet_hours_wrap_past_midnight():
    start, end = time(22, 0), time(7, 0)

    def quiet(hour: int) -> bool:
        return in_quiet_hours(
            moment=datetime(2026, 5, 1, hour, 0, tzinfo=LONDON), start=start, end=end, zone=LONDON
        )

    assert [quiet(h) for h in (21, 22, 23, 3, 6, 7, 12)] == [
        False,
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    assert not in_quiet_hours(
        moment=datetime(2026, 5, 1, 3, tzinfo=UTC), start=None, end=None, zone=LONDON
    )


# --- the tick and the sends (PostgreSQL) -------------------------------------------------------------


def turn_on_checkin_reminder(user: User, at: time = time(20, 30), **extra: object) -> Reminder:
    ReminderSettings.objects.update_or_create(
        user=user, defaults={"checkin_enabled": True, "checkin_time": at, **extra}
    )
    reminders.sync_user(user=user, now=datetime(2026, 6, 1, 12, tzinfo=UTC))
    return Reminder.objects.get(user=user, kind=ReminderKind.CHECKIN)


def checkin_reminder_for(user: User) -> EmailMultiAlternatives:
    """Turn the person's check-in reminder on, tick at its time and send: the email they got."""
    reminder = turn_on_checkin_reminder(user)
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    reminders.send(send_ids=ReminderSend.objects.values_list("pk", flat=True), now=due)
    message = mail.outbox[-1]
    assert isinstance(message, EmailMultiAlternatives)
    return message


def collect() -> tuple[list[list[int]], object]:
    batches: list[list[int]] = []
    return batches, batches.append


@pytest.mark.django_db
def test_check_in_reminder_is_off_until_turned_on(partner_a: User):
    reminders.sync_user(user=partner_a)

    assert not Reminder.objects.filter(user=partner_a, next_due_at__isnull=False).exists()


@pytest.mark.django_db
def test_turning_it_on_schedules_the_next_local_time(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a, at=time(20, 30))

    assert reminder.next_due_at == datetime(2026, 6, 1, 19, 30, tzinfo=UTC)  # 20:30 BST


@pytest.mark.django_db
def test_pausing_all_reminders_moves_the_next_one_past_the_pause(partner_a: User):
    until = datetime(2026, 6, 5, 12, tzinfo=UTC)
    reminder = turn_on_checkin_reminder(partner_a, paused_until=until)

    assert reminder.next_due_at == datetime(2026, 6, 5, 19, 30, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_tick_records_one_send_per_occurrence_and_moves_on(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a)
    due = reminder.next_due_at
    assert due is not None
    batches, enqueue = collect()

    first = reminders.tick(now=due + timedelta(seconds=5), enqueue=enqueue)  # type: ignore[arg-type]
    again = reminders.tick(now=due + timedelta(seconds=40), enqueue=enqueue)  # type: ignore[arg-type]

    assert (first.claimed, again.claimed) == (1, 0)
    assert ReminderSend.objects.filter(reminder=reminder).count() == 1
    reminder.refresh_from_db()
    assert reminder.next_due_at == due + timedelta(days=1)
    assert sum(len(b) for b in batches) == 1


@pytest.mark.django_db(transaction=True)
def test_two_beats_ticking_at_once_make_one_send(partner_a: User, partner_b: User):
    people = [partner_a, partner_b, *[_person(i) for i in range(8)]]
    for person in people:
        turn_on_checkin_reminder(person)
    moment = datetime(2026, 6, 1, 19, 30, 10, tzinfo=UTC)
    barrier = threading.Barrier(2)

    def beat() -> None:
        barrier.wait()
        try:
            reminders.tick(now=moment, batch_size=3, enqueue=lambda ids: None)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert ReminderSend.objects.count() == len(people)
    assert Reminder.objects.filter(next_due_at__lte=moment).count() == 0


def _person(n: int) -> User:
    return make_user(f"Person {n}")


@pytest.mark.django_db(transaction=True)
def test_the_same_send_processed_twice_in_parallel_sends_one_email(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a)
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    send_id = ReminderSend.objects.get().pk
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            reminders.send(send_ids=[send_id], now=due + timedelta(seconds=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(mail.outbox) == 1
    assert ReminderSend.objects.get().status == SendStatus.SENT


@pytest.mark.django_db
def test_a_redelivered_or_retried_task_sends_no_second_email(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a)
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    ids = list(ReminderSend.objects.values_list("pk", flat=True))

    first = reminders.send(send_ids=ids, now=due)
    second = reminders.send(send_ids=ids, now=due + timedelta(minutes=1))

    assert (first.sent, second.sent, second.not_claimed) == (1, 0, 1)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a)
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    ReminderSend.objects.update(status=SendStatus.SENDING, claimed_at=due)  # a worker died here
    requeued: list[list[int]] = []

    early = reminders.tick(now=due + timedelta(minutes=1), enqueue=requeued.append)
    late = reminders.tick(now=due + timedelta(minutes=6), enqueue=requeued.append)
    result = reminders.send(send_ids=requeued[-1], now=due + timedelta(minutes=6))

    assert (early.requeued, late.requeued) == (0, 1)
    assert result.sent == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_send_more_than_two_hours_late_is_skipped_not_sent(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a)
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)

    result = reminders.send(
        send_ids=ReminderSend.objects.values_list("pk", flat=True),
        now=due + timedelta(hours=2, minutes=1),
    )

    assert result.skipped == 1
    assert mail.outbox == []
    assert ReminderSend.objects.get().reason == "late"


@pytest.mark.django_db
def test_no_check_in_reminder_after_todays_check_in(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a)
    due = reminder.next_due_at
    assert due is not None
    CheckIn.objects.create(user=partner_a, local_date=local(due, LONDON).date())
    reminders.tick(now=due, enqueue=lambda ids: None)

    reminders.send(send_ids=ReminderSend.objects.values_list("pk", flat=True), now=due)

    assert mail.outbox == []
    assert ReminderSend.objects.get().reason == "done"


@pytest.mark.django_db
def test_no_reminder_in_quiet_hours(partner_a: User):
    reminder = turn_on_checkin_reminder(
        partner_a, at=time(23, 0), quiet_start=time(22, 0), quiet_end=time(7, 0)
    )
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)

    reminders.send(send_ids=ReminderSend.objects.values_list("pk", flat=True), now=due)

    assert mail.outbox == []
    assert ReminderSend.objects.get().reason == "quiet"


@pytest.mark.django_db
def test_a_ritual_reminder_goes_to_both_partners_and_names_only_the_ritual(
    couple: Couple, partner_a: User, partner_b: User
):
    ritual = ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-conversation",
        cadence="weekly",
        weekday=2,
        local_time=time(19, 0),
        created_by=partner_a,
    )
    reminders.sync_ritual(ritual=ritual, now=datetime(2026, 6, 1, tzinfo=UTC))
    due = Reminder.objects.filter(ritual=ritual).values_list("next_due_at", flat=True).first()
    assert due is not None
    assert local(due, LONDON).weekday() == 2

    reminders.tick(now=due, enqueue=lambda ids: None)
    reminders.send(send_ids=ReminderSend.objects.values_list("pk", flat=True), now=due)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([partner_a.email, partner_b.email])
    message = mail.outbox[0]
    assert message.subject == "A gentle reminder"
    assert "Weekly structured conversation" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert isinstance(message, EmailMultiAlternatives)
    assert message.alternatives  # HTML and plain text


@pytest.mark.django_db
def test_reminder_emails_carry_no_words_anyone_wrote(couple: Couple, partner_a: User):
    CheckIn.objects.create(
        user=partner_a, local_date=date(2026, 5, 1), helped="a secret about Tuesday"
    )
    message = checkin_reminder_for(partner_a)

    assert message.subject == "A moment for your check-in"
    assert "secret" not in message.body
    assert "secret" not in str(message.alternatives)


@pytest.mark.django_db
def test_a_reminder_on_the_wire_keeps_its_unsubscribe_link_readable_and_its_words_intact(
    partner_a: User,
):
    """What the SMTP backend sends: the one-click link must stay a plain ``<https://…>`` (mail
    clients do not decode RFC 2047 words in List-Unsubscribe), and a name outside ASCII must arrive
    as written in both parts."""
    partner_a.display_name = "Zoë"
    partner_a.save(update_fields=["display_name"])
    message = checkin_reminder_for(partner_a)

    raw = message.message(policy=email.policy.SMTP).as_bytes()
    parsed = BytesParser(policy=email.policy.default).parsebytes(raw)

    link = message.extra_headers["List-Unsubscribe"]
    assert b"=?" not in raw.split(b"\r\n\r\n", 1)[0]  # no encoded-words in the headers
    assert str(parsed["List-Unsubscribe"]) == link
    assert link.startswith("<http")
    assert link.endswith(">")
    assert parsed["To"] == partner_a.email
    assert parsed["Subject"] == "A moment for your check-in"
    assert parsed["Message-ID"]
    assert parsed["Date"]
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert "Hello Zoë," in plain.get_content()
    assert "Zoë" in html.get_content()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


@pytest.mark.django_db
def test_a_name_is_escaped_in_the_html_part_and_left_as_written_in_the_text_part(partner_a: User):
    """Each email's bodies are rendered for its person: the name escaped where HTML needs it, and
    a name that looks like template syntax or another value stays as written."""
    partner_a.display_name = "<b>Al & Jo</b>"
    partner_a.save(update_fields=["display_name"])
    message = checkin_reminder_for(partner_a)
    html = str(message.alternatives[0][0])

    assert "Hello <b>Al & Jo</b>," in message.body
    assert "&lt;b&gt;Al &amp; Jo&lt;/b&gt;" in html
    assert "<b>" not in html
    link = message.extra_headers["List-Unsubscribe"].removeprefix("<").removesuffix(">")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert link == "http://testserver" + reverse("unsubscribe", kwargs={"token": token})
    assert reminders.unsubscribe_read(token=token) == (partner_a, ReminderKind.CHECKIN)
    assert link in message.body
    assert link in html
    row = ReminderSend.objects.select_related("reminder__user").get(reminder__user=partner_a)
    for name in ("{{ unsubscribe_url }}", "\x00unsubscribe_url\x00", "{name}"):
        row.reminder.user.display_name = name
        again = reminders.reminder_email(row)
        assert f"Hello {name}," in again.body
        assert again.body.count("http://testserver/") == 2  # the check-in and unsubscribe links


def test_the_smtp_backend_passes_plain_addresses_and_checks_every_other_one(settings):
    settings.MAILERS = {
        "default": {"BACKEND": "repair.lib.mail.SMTPBackend", "OPTIONS": {"host": "127.0.0.1"}}
    }
    backend = mailers.default
    assert isinstance(backend, SMTPBackend)

    assert backend.prep_address("sam.o'neil+x@example.com") == "sam.o'neil+x@example.com"
    assert backend.prep_address("Sam <sam@example.com>") == "sam@example.com"
    assert backend.prep_address("zoe@exämple.com") == "zoe@xn--exmple-cua.com"
    with pytest.raises(ValueError, match="Invalid address"):
        backend.prep_address("sam@example.com\r\nRCPT TO:<someone@example.org>")
    with pytest.raises(ValueError, match="Invalid address"):
        backend.prep_address("sam@example.com, alex@example.com")


def test_a_compact_email_refuses_a_header_with_a_line_break():
    message = CompactEmail(subject="Hi\nBcc: someone@example.com", body="x", to=["a@example.com"])
    with pytest.raises(ValueError, match="line break"):
        message.message()


@pytest.mark.django_db(transaction=True)
def test_each_reminder_email_costs_two_statements_whatever_the_batch_size():
    """Reading the batch costs a fixed few statements; each email then costs two, each its own
    commit: its claim, and its "sent". Every email ends up recorded as sent."""
    people = [_person(n) for n in range(12)]
    for person in people:
        turn_on_checkin_reminder(person)
    due = Reminder.objects.values_list("next_due_at", flat=True).first()
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    ids = sorted(ReminderSend.objects.values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as four:
        assert reminders.send(send_ids=ids[:4], now=due).sent == 4
    with CaptureQueriesContext(connection) as eight:
        assert reminders.send(send_ids=ids[4:], now=due).sent == 8

    assert len(eight) - len(four) == 2 * 4
    assert len(four) <= 3 + 2 * 4
    assert len(mail.outbox) == 12
    sends = ReminderSend.objects.all()
    assert {(s.status, s.attempts, s.sent_at is not None) for s in sends} == {
        (SendStatus.SENT, 1, True)
    }


@pytest.mark.django_db(transaction=True)
def test_each_email_is_recorded_sent_before_the_next_one_is_claimed(monkeypatch):
    """ "Sent" is committed the moment the mail server accepted the email, not with the next
    email's claim: a worker killed between two emails has recorded every one it delivered."""
    people = [_person(n) for n in range(4)]
    for person in people:
        turn_on_checkin_reminder(person)
    due = Reminder.objects.values_list("next_due_at", flat=True).first()
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    ids = sorted(ReminderSend.objects.values_list("pk", flat=True))
    seen: list[tuple[int, int]] = []
    deliver = locmem.EmailBackend.send_messages

    def watching(self: locmem.EmailBackend, messages: list[EmailMultiAlternatives]) -> int:
        # At each delivery: how many are already recorded sent, how many claimed.
        sent = ReminderSend.objects.filter(status=SendStatus.SENT).count()
        claimed = ReminderSend.objects.filter(status=SendStatus.SENDING).count()
        seen.append((sent, claimed))
        return deliver(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", watching)

    assert reminders.send(send_ids=ids, now=due).sent == 4

    assert seen == [(0, 1), (1, 1), (2, 1), (3, 1)]


@pytest.mark.django_db
def test_the_same_id_twice_in_one_batch_sends_one_email(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a)
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    send_id = ReminderSend.objects.get().pk

    result = reminders.send(send_ids=[send_id, send_id, send_id], now=due)

    assert result.sent == 1
    assert len(mail.outbox) == 1
    assert ReminderSend.objects.get().status == SendStatus.SENT


# --- unsubscribing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unsubscribe_link_works_without_signing_in_and_only_for_that_kind(partner_a: User):
    turn_on_checkin_reminder(partner_a)
    token = reminders.unsubscribe_token(user=partner_a, kind=ReminderKind.CHECKIN)
    url = reverse("unsubscribe", kwargs={"token": token})

    page = Client().get(url)
    assert page.status_code == 200
    assert (
        ReminderSettings.objects.get(user=partner_a).checkin_enabled is True
    )  # a GET changes nothing

    done = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})

    assert done.status_code == 200
    prefs = ReminderSettings.objects.get(user=partner_a)
    assert prefs.checkin_enabled is False
    assert prefs.rituals_enabled is True
    assert Reminder.objects.get(user=partner_a, kind=ReminderKind.CHECKIN).next_due_at is None


@pytest.mark.django_db
def test_an_unsubscribe_token_cannot_be_forged_for_someone_else(partner_a: User, partner_b: User):
    turn_on_checkin_reminder(partner_b)
    token = reminders.unsubscribe_token(user=partner_a, kind=ReminderKind.CHECKIN)
    forged = (
        token.replace(token[:8], token[:8][::-1]) if token[:8] != token[:8][::-1] else token + "x"
    )

    assert Client().post(reverse("unsubscribe", kwargs={"token": forged})).status_code == 404
    assert Client().post(reverse("unsubscribe", kwargs={"token": "not-a-token"})).status_code == 404
    assert ReminderSettings.objects.get(user=partner_b).checkin_enabled is True


@pytest.mark.django_db
def test_operators_see_tick_due_and_sends_as_counts_only(partner_a: User):
    reminder = turn_on_checkin_reminder(partner_a)
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    reminders.send(send_ids=ReminderSend.objects.values_list("pk", flat=True), now=due)
    out = StringIO()

    call_command("reminders_status", stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "last beat tick" in text
    assert "queue depth" in text
    assert partner_a.email not in text
    assert "Avery" not in text


# --- time zones, refusals, retries, Message-ID, the operator's view -----------------------------------


@pytest.mark.django_db
def test_a_new_time_zone_moves_the_pending_reminder_at_once(partner_a: User):
    partner_a.time_zone = "Europe/London"
    partner_a.save()
    noon = datetime(2026, 6, 1, 12, tzinfo=UTC)
    ReminderSettings.objects.create(user=partner_a, checkin_enabled=True, checkin_time=time(7, 30))
    reminders.sync_user(user=partner_a, now=noon)
    reminder = Reminder.objects.get(user=partner_a, kind=ReminderKind.CHECKIN)
    assert reminder.next_due_at == datetime(2026, 6, 2, 6, 30, tzinfo=UTC)  # 07:30 London

    couple_services.profile_update(
        user=partner_a, display_name="Avery", time_zone="Asia/Tokyo", now=noon
    )

    reminder.refresh_from_db()
    assert reminder.next_due_at == datetime(2026, 6, 2, 7, 30, tzinfo=ZoneInfo("Asia/Tokyo"))


def _one_due_send(user: User) -> tuple[int, datetime]:
    reminder = turn_on_checkin_reminder(user)
    due = reminder.next_due_at
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    return ReminderSend.objects.get().pk, due


@pytest.mark.django_db(transaction=True)
def test_a_permanent_refusal_is_recorded_refused_and_never_retried(partner_a: User, settings):
    send_id, due = _one_due_send(partner_a)
    with smtp_sink(refuse_first=1, refuse_reply="550 5.1.1 No such mailbox") as sink:
        settings.MAILERS = {
            "default": {
                "BACKEND": "repair.lib.mail.SMTPBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 5},
            }
        }
        first = reminders.send(send_ids=[send_id], now=due)
        again = reminders.send(send_ids=[send_id], now=due + timedelta(minutes=30))
        later = reminders.tick(now=due + timedelta(minutes=30), enqueue=lambda ids: None)

    assert (first.refused, again.not_claimed, later.requeued) == (1, 1, 0)
    row = ReminderSend.objects.get()
    assert (row.status, row.reason, row.attempts) == (SendStatus.REFUSED, "smtp 550", 1)
    assert len(sink.handler) == 0


@pytest.mark.django_db(transaction=True)
def test_a_temporary_failure_backs_off_and_every_attempt_has_the_same_message_id(
    partner_a: User, settings
):
    send_id, due = _one_due_send(partner_a)
    with smtp_sink(refuse_first=2) as sink:
        settings.MAILERS = {
            "default": {
                "BACKEND": "repair.lib.mail.SMTPBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 5},
            }
        }
        assert reminders.send(send_ids=[send_id], now=due).failed == 1
        first_wait = ReminderSend.objects.get().next_attempt_at
        assert first_wait == due + timedelta(minutes=1)
        # Not before the back-off is over, whoever asks.
        assert reminders.send(send_ids=[send_id], now=due + timedelta(seconds=30)).not_claimed == 1
        assert reminders.send(send_ids=[send_id], now=due + timedelta(minutes=1)).failed == 1
        assert ReminderSend.objects.get().next_attempt_at == due + timedelta(minutes=3)
        requeued: list[int] = []
        reminders.tick(now=due + timedelta(minutes=3), enqueue=requeued.extend)
        assert requeued == [send_id]
        assert reminders.send(send_ids=[send_id], now=due + timedelta(minutes=3)).sent == 1
        ids = sink.handler.message_ids

    row = ReminderSend.objects.get()
    assert (row.status, row.attempts) == (SendStatus.SENT, 3)
    assert sink.handler.refused == 2
    assert ids == [reminders.message_id(send_id=send_id)] * 3
    assert ids[0] == f"<reminder-{send_id}@testserver>"


@pytest.mark.django_db
def test_the_status_command_names_a_mail_server_fault_and_workers_that_are_down(partner_a: User):
    send_id, _due = _one_due_send(partner_a)
    ReminderSend.objects.filter(pk=send_id).update(
        status=SendStatus.PENDING, reason="smtp 451", next_attempt_at=timezone.now(), attempts=2
    )
    # The last tick ran ten minutes ago, and beat's ticks wait in the queue: no worker runs them.
    Heartbeat.objects.update_or_create(
        name="reminders-tick", defaults={"beat_at": timezone.now() - timedelta(minutes=10)}
    )
    app.control.purge()
    app.send_task("rituals.tasks.reminders_tick")
    out, err = StringIO(), StringIO()
    try:
        call_command("reminders_status", stdout=out, stderr=err)
    finally:
        app.control.purge()

    text = out.getvalue() + err.getvalue()
    assert "The mail server is failing: 1 sends are waiting to retry" in text
    assert "smtp 451" in text
    assert "Workers are down or stuck" in text
    assert "1 tasks are waiting in the queue" in text
    assert "Beat is down" not in text
    assert partner_a.email not in text


@pytest.mark.django_db(transaction=True)
def test_one_slow_recipient_does_not_hold_up_the_rest_of_the_batch(settings):
    """The slow one's attempt is cut off well inside half the lease (its socket timeout is cut to
    fit, whatever EMAIL_TIMEOUT says) and goes back to wait; the others go out at once."""
    settings.REMINDER_LEASE_SECONDS = 4
    people = [_person(n) for n in range(6)]
    for person in people:
        turn_on_checkin_reminder(person)
    due = Reminder.objects.values_list("next_due_at", flat=True).first()
    assert due is not None
    reminders.tick(now=due, enqueue=lambda ids: None)
    ids = sorted(ReminderSend.objects.values_list("pk", flat=True))
    slow = people[2].email
    with smtp_sink(rcpt_delay=10.0, slow_recipients=frozenset({slow})) as sink:
        settings.MAILERS = {
            "default": {
                "BACKEND": "repair.lib.mail.SMTPBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 30},
            }
        }
        started = clock.monotonic()
        result = reminders.send(send_ids=ids, now=due)
        elapsed = clock.monotonic() - started

    assert (result.sent, result.failed) == (5, 1)
    assert elapsed < 4 / 2, elapsed
    assert sink.handler.per_recipient() == {p.email: 1 for p in people if p.email != slow}
    waiting = ReminderSend.objects.get(reminder__user__email=slow)
    assert (waiting.status, waiting.reason) == (SendStatus.PENDING, "unreachable")
    assert waiting.next_attempt_at == due + timedelta(minutes=1)


def test_the_reminder_steps_import_each_other_one_way_only():
    """No cycle, and none hidden by an import inside a function: the tasks import the steps, and
    no step imports the tasks (the tick enqueues by task name)."""
    package = Path(reminders.__file__).parent
    for path in [*package.glob("*.py"), package.parent / "tasks.py"]:
        tree = ast.parse(path.read_text())
        nested = [
            node.lineno
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(function)
            if isinstance(node, ast.Import | ast.ImportFrom)
        ]
        assert nested == [], f"{path.name}: an import inside a function, lines {nested}"
        if path.name != "tasks.py":
            imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
            assert "rituals.tasks" not in imported, path.name


@pytest.mark.django_db
def test_the_migration_gives_everyone_already_opted_in_a_weekly_summary_reminder(
    partner_a: User, partner_b: User
):
    migration = importlib.import_module(
        "rituals.migrations.0006_reminder_retries_and_weekly_summary"
    )
    CheckinPreferences.objects.create(user=partner_a, weekly_summary=True)
    CheckinPreferences.objects.create(user=partner_b, weekly_summary=False)

    migration.summary_reminders_create(apps, None)

    summary = Reminder.objects.get(kind=ReminderKind.SUMMARY)
    assert summary.user_id == partner_a.pk
    assert summary.next_due_at is not None
    local = summary.next_due_at.astimezone(partner_a.zoneinfo)
    assert (local.weekday(), local.time()) == (0, time(9, 0))
