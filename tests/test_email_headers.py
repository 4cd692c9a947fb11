"""No name in any email header: every kind of email the app sends, with a hostile name already
stored (from before names were checked), goes over real SMTP to the local sink, and the headers
that arrive are the app's own — a fixed neutral subject, a fixed From, a bare To address — with no
part of the name and no extra header. The name still reaches the body, where it belongs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from django.test import Client
from django.urls import reverse

from checkins import services as checkin_services
from repair.couples import services
from repair.couples.models import User
from repair.couples.selectors import couple_for_user
from rituals import reminders
from rituals import services as ritual_services
from rituals.models import Reminder, ReminderKind, ReminderSend, ReminderSettings, ScheduledRitual
from tests.factories import PASSWORD, make_couple, make_user
from tests.smtp_sink import Sink, smtp_sink

pytestmark = pytest.mark.django_db

# The name from the issue: on Python 3.12 before 3.12.5 this encoded word, in a header, unfolded
# into a real "Bcc:" header.
HOSTILE = "=?utf-8?q?Evelyn=0D=0ABcc:_spy@evil.example?="
FRAGMENTS = ("evelyn", "spy@", "evil.example", "=?utf-8?q?e", "bcc")
HEADERS = {
    "content-type",
    "content-transfer-encoding",
    "mime-version",
    "subject",
    "from",
    "to",
    "date",
    "message-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
}


@pytest.fixture
def sink(settings: pytest.FixtureRequest) -> Iterator[Sink]:
    with smtp_sink() as running:
        settings.MAILERS = {  # type: ignore[attr-defined]
            "default": {
                "BACKEND": "repair.lib.mail.SMTPBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": running.port, "timeout": 5},
            }
        }
        yield running


def hostile(user: User) -> User:
    """A name stored before names were checked: the forms refuse it now, the row keeps it."""
    User.objects.filter(pk=user.pk).update(display_name=HOSTILE)
    user.refresh_from_db()
    return user


def arrived(sink: Sink) -> EmailMessage:
    assert len(sink.handler.raw) == 1, f"{len(sink.handler.raw)} messages arrived, not one"
    raw = sink.handler.raw[0]
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    names = [name.lower() for name, _ in parsed.raw_items()]
    assert set(names) <= HEADERS, sorted(set(names) - HEADERS)
    assert len(names) == len(set(names)), names  # no header twice
    for name, value in parsed.raw_items():
        as_sent, as_read = value.lower(), str(parsed[name]).lower()
        for fragment in FRAGMENTS:
            assert fragment not in as_sent, (name, value)
            assert fragment not in as_read, (name, str(parsed[name]))
    # Every part's own headers too (a multipart message's text and HTML parts).
    for part in parsed.walk():
        for name, value in part.raw_items():
            assert name.lower() in HEADERS, name
            assert "evelyn" not in value.lower(), (name, value)
    assert "\r\n\r\n" in raw.decode("ascii")  # a single header block, ended where it should be
    return parsed


def plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_the_invite_email_has_a_neutral_subject_and_the_name_only_in_the_body(sink: Sink):
    avery = hostile(make_user("Avery"))
    couple = services.couple_create(user=avery)
    new = services.invite_create(couple=couple, created_by=avery, email="blake@example.com")

    assert services.invite_send_email(new_invite=new, inviter=avery)

    message = arrived(sink)
    assert message["Subject"] == "An invitation for you"
    assert message["To"] == "blake@example.com"
    assert f"{HOSTILE} has invited you" in plain_body(message)
    assert HOSTILE in html_body(message)


def test_the_weekly_summary_names_people_only_in_the_body(sink: Sink):
    avery, blake = hostile(make_user("Avery")), hostile(make_user("Blake"))
    make_couple(avery, blake)
    checkin_services.preferences_set(
        user=avery, weekly_summary=True, now=datetime(2026, 11, 12, tzinfo=UTC)
    )
    monday = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    reminders.tick(now=monday, enqueue=lambda ids: None)
    sends = ReminderSend.objects.values_list("pk", flat=True)

    assert reminders.send(send_ids=sends, now=monday).sent == 1

    message = arrived(sink)
    assert message["Subject"] == "Your week in check-ins"
    assert f"Hello {HOSTILE}" in plain_body(message)


def test_the_note_waiting_email_names_people_only_in_the_body(sink: Sink):
    avery, blake = make_user("Avery"), hostile(make_user("Blake"))
    make_couple(avery, blake)
    ReminderSettings.objects.create(user=blake, notes_email_enabled=True)
    view = couple_for_user(user=avery)
    assert view is not None

    ritual_services.note_send(couple=view, text="Thank you for this morning.")

    message = arrived(sink)
    assert message["Subject"] == "You have a note waiting"
    assert HOSTILE in plain_body(message)
    assert "Thank you for this morning" not in plain_body(message)


@pytest.mark.parametrize("kind", ["checkin", "ritual"])
def test_a_reminder_names_the_person_only_in_the_body(sink: Sink, kind: str):
    avery, blake = hostile(make_user("Avery")), make_user("Blake")
    make_couple(avery, blake)
    view = couple_for_user(user=avery)
    assert view is not None
    noon = datetime(2026, 6, 1, 12, tzinfo=UTC)
    if kind == "checkin":
        ReminderSettings.objects.update_or_create(user=avery, defaults={"checkin_enabled": True})
        reminders.sync_user(user=avery, now=noon)
    else:
        ritual = ScheduledRitual.objects.create(
            couple=view.couple,
            ritual="weekly-conversation",
            cadence="daily",
            local_time=time(19, 0),
            created_by=avery,
        )
        reminders.sync_ritual(ritual=ritual, now=noon)
    reminder = Reminder.objects.get(user=avery, kind=kind)
    assert reminder.next_due_at is not None

    reminders.tick(now=reminder.next_due_at, enqueue=lambda ids: None)
    sends = ReminderSend.objects.filter(reminder=reminder).values_list("pk", flat=True)
    reminders.send(send_ids=list(sends), now=reminder.next_due_at)

    message = arrived(sink)
    subjects = {ReminderKind.CHECKIN.value: "A moment for your check-in"}
    assert message["Subject"] == subjects.get(kind, "A gentle reminder")
    assert message["List-Unsubscribe"].startswith("<http")
    assert f"Hello {HOSTILE}" in plain_body(message)


def test_the_password_reset_email_holds_no_name_in_its_headers(sink: Sink):
    avery = hostile(make_user("Avery"))

    Client().post(reverse("account_reset_password"), {"email": avery.email})

    message = arrived(sink)
    assert message["To"] == avery.email
    assert "/accounts/password/reset/key/" in plain_body(message)


def test_the_email_code_holds_no_name_in_its_headers(sink: Sink):
    avery = hostile(make_user("Avery", verified=False))

    Client().post(reverse("account_login"), {"login": avery.email, "password": PASSWORD})

    message = arrived(sink)
    assert message["To"] == avery.email
