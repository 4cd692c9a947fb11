"""One clock format per person: their own choice in Settings or, until they choose, the one their
language writes times in (the language their browser named at sign-up), on pages and in emails."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, time

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from repair.couples.models import Couple, User
from repair.lib.clock import language_clock, language_tag
from rituals import reminders
from rituals.models import Reminder, ReminderSend, ScheduledRitual
from tests.conftest import client_for


def test_a_language_tells_twelve_or_twenty_four_hours():
    assert language_tag("en-US,en;q=0.9") == "en-us"
    assert language_tag("*, de;q=0.5") == "de"
    assert language_tag("<script>") == ""
    assert [language_clock(t) for t in ("en", "en-us", "en-au", "hi", "ko")] == ["12"] * 5
    assert [language_clock(t) for t in ("en-gb", "en-ie", "de", "fr-ca", "ja", "")] == ["24"] * 6


@pytest.mark.django_db
def test_sign_up_records_the_browsers_language_and_leaves_the_clock_to_it():
    Client(headers={"accept-language": "en-US,en;q=0.9"}).post(
        reverse("account_signup"),
        {
            "email": "nora@example.com",
            "password1": "a-calm-long-password-7",
            "display_name": "Nora",
            "time_zone": "America/New_York",
        },
    )
    nora = User.objects.get(email="nora@example.com")

    assert (nora.language, nora.clock, nora.time_clock) == ("en-us", "", "12")


def _ritual_at_seven(couple: Couple, by: User) -> ScheduledRitual:
    return ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-conversation",
        cadence="daily",
        local_time=time(19, 0),
        created_by=by,
    )


@pytest.mark.parametrize(
    ("language", "clock", "shown"),
    [
        ("en-us", "", "7:00 p.m."),  # no choice: as American English writes times
        ("en-gb", "", "19:00"),  # no choice: as British English does
        ("en-us", "24", "19:00"),  # a choice wins over the language
        ("de", "12", "7:00 p.m."),
    ],
)
@pytest.mark.django_db
def test_pages_follow_the_persons_language_until_they_choose(
    couple: Couple, partner_a: User, partner_b: User, language: str, clock: str, shown: str
):
    User.objects.filter(pk=partner_b.pk).update(language=language, clock=clock)
    _ritual_at_seven(couple, partner_a)

    page = client_for(partner_b).get(reverse("rituals:index")).text

    assert f"Every day at {shown}" in page


@pytest.mark.parametrize(
    ("language", "clock", "shown", "not_shown"),
    [
        ("en-us", "", "7:00 p.m.", "19:00"),
        ("en-gb", "", "19:00", "p.m."),
        ("en-us", "24", "19:00", "p.m."),
    ],
)
@pytest.mark.django_db
def test_a_reminder_email_shows_the_time_on_the_persons_own_clock(
    couple: Couple,
    partner_a: User,
    partner_b: User,
    language: str,
    clock: str,
    shown: str,
    not_shown: str,
):
    User.objects.filter(pk=partner_a.pk).update(language=language, clock=clock)
    ritual = _ritual_at_seven(couple, partner_a)
    reminders.sync_ritual(ritual=ritual, now=datetime(2026, 6, 1, tzinfo=UTC))
    due = Reminder.objects.get(ritual=ritual, user=partner_a).next_due_at
    assert due is not None

    reminders.tick(now=due, enqueue=lambda ids: None)
    reminders.send(send_ids=ReminderSend.objects.values_list("pk", flat=True), now=due)

    message = next(m for m in mail.outbox if m.to == [partner_a.email])
    assert f"Set for {shown}, your own time." in message.body
    assert not_shown not in message.body
    assert f"Set for {shown}, your own time." in str(message.alternatives[0][0])  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_settings_offers_the_language_format_and_a_choice_overrides_it(partner_a: User):
    client = client_for(partner_a)
    page = client.get(reverse("settings"), headers={"accept-language": "en-US"}).text
    assert "From my language" in page

    client.post(
        reverse("settings"),
        {"display_name": "Avery", "time_zone": "Europe/London", "clock": ""},
        headers={"accept-language": "en-US"},
    )
    partner_a.refresh_from_db()
    assert (partner_a.clock, partner_a.language, partner_a.time_clock) == ("", "en-us", "12")
    assert "From my language (9:30 p.m.)" in client.get(reverse("settings")).text

    client.post(
        reverse("settings"),
        {"display_name": "Avery", "time_zone": "Europe/London", "clock": "24"},
        headers={"accept-language": "en-US"},
    )
    partner_a.refresh_from_db()
    assert partner_a.time_clock == "24"


@pytest.mark.django_db
def test_everyone_already_here_keeps_the_24_hour_clock_they_were_reading(partner_a: User):
    User.objects.filter(pk=partner_a.pk).update(clock="", language="en-us")
    migration = importlib.import_module("repair.couples.migrations.0014_clock_from_language")

    migration.keep_what_everyone_saw(apps, connection.schema_editor())

    partner_a.refresh_from_db()
    assert (partner_a.clock, partner_a.time_clock) == ("24", "24")
