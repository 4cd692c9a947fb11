"""A ritual "for both of us" is a suggestion until the partner says yes: on neither calendar and in
nobody's reminders before then (the one who suggested it included), answered privately with yes or
not now, and plain that each of them is reminded at their own local time. Rituals made before
suggestions existed stay on."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from repair.couples.models import Couple, User
from repair.couples.selectors import couple_for_user
from rituals import reminders, services
from rituals.models import (
    Proposal,
    Reminder,
    ReminderKind,
    ReminderSend,
    ScheduledRitual,
)
from rituals.services import RitualError, ScheduleInput
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# A Wednesday; Avery is in London (UTC in November), Blake in New York, five hours behind.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LOCAL = "each of you is reminded at your own local time"


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def blake_in_new_york(partner_b: User) -> User:
    partner_b.time_zone = "America/New_York"
    partner_b.save()
    return partner_b


def suggest(client: Client, slug: str = "reset-breath") -> ScheduledRitual:
    response = client.post(
        reverse("rituals:schedule", args=[slug]),
        {"cadence": "daily", "local_time": "19:30", "who": "both"},
    )
    assert response.status_code == 302
    return ScheduledRitual.objects.filter(ritual=slug).latest("pk")


def answer(client: Client, ritual: ScheduledRitual, action: str):
    return client.post(reverse("rituals:ritual_answer", args=[ritual.pk]), {"action": action})


def ritual_reminders_due(ritual: ScheduledRitual) -> list[Reminder]:
    return list(
        Reminder.objects.filter(
            kind=ReminderKind.RITUAL, ritual=ritual, next_due_at__isnull=False
        ).order_by("user_id")
    )


def tick_and_send(at: datetime) -> None:
    """The real reminder path, as tests/test_reminders.py drives it: tick, then send."""
    reminders.tick(now=at, enqueue=lambda ids: None)
    reminders.send(send_ids=ReminderSend.objects.values_list("pk", flat=True), now=at)


def test_the_form_and_the_suggestion_say_each_is_reminded_at_their_own_local_time(
    couple: Couple, partner_a: User, partner_b: User, at_now: None
):
    form = client_for(partner_a).get(reverse("rituals:schedule", args=["reset-breath"])).text
    assert LOCAL in form
    assert "a suggestion until Blake says yes" in form

    suggest(client_for(partner_a))

    blake_page = client_for(partner_b).get(reverse("rituals:index")).text
    avery_page = client_for(partner_a).get(reverse("rituals:index")).text
    assert "Avery suggested this for both of you" in blake_page
    assert LOCAL in blake_page
    assert "Yes, let's" in blake_page
    assert "Not now" in blake_page
    assert "Waiting for Blake." in avery_page
    assert LOCAL in avery_page
    assert "Yes, let's" not in avery_page


def test_until_blake_says_yes_it_is_on_no_calendar_and_reminds_nobody(
    couple: Couple, partner_a: User, blake_in_new_york: User, at_now: None
):
    ritual = suggest(client_for(partner_a))

    assert ritual.proposal == Proposal.WAITING
    assert ritual_reminders_due(ritual) == []  # Avery's own included: it starts for both at once
    for person in (partner_a, blake_in_new_york):
        week = client_for(person).get(reverse("rituals:calendar")).text
        assert f"entry-ritual-{ritual.pk}-" not in week
        assert "Today's rituals" not in client_for(person).get(reverse("today")).text
    # A day of ticks at every minute it could have fallen on: nothing is sent to anyone.
    for hours in range(0, 30):
        tick_and_send(NOW + timedelta(hours=hours))
    assert mail.outbox == []
    assert not ReminderSend.objects.exists()


def test_the_tick_skips_a_suggestion_even_with_a_stale_due_time(
    couple: Couple, partner_a: User, partner_b: User
):
    ritual = suggest(client_for(partner_a))
    # As if a row had been left due (an older sync, a hand edit): the tick still skips it.
    stale = Reminder.objects.create(
        user=partner_a, kind=ReminderKind.RITUAL, ritual=ritual, next_due_at=NOW
    )

    tick_and_send(NOW + timedelta(minutes=1))

    assert not ReminderSend.objects.filter(reminder=stale).exists()
    assert mail.outbox == []


def test_once_blake_says_yes_it_starts_for_both_each_at_their_own_local_time(
    couple: Couple, partner_a: User, blake_in_new_york: User, at_now: None
):
    ritual = suggest(client_for(partner_a))

    response = answer(client_for(blake_in_new_york), ritual, "accept")

    assert response.status_code == 302
    ritual.refresh_from_db()
    assert ritual.is_accepted
    assert ritual.accepted_at == NOW
    due: dict[int, datetime] = {}
    for reminder in ritual_reminders_due(ritual):
        assert reminder.next_due_at is not None
        due[reminder.user_id] = reminder.next_due_at
    assert set(due) == {partner_a.pk, blake_in_new_york.pk}
    assert due[partner_a.pk].astimezone(ZoneInfo("Europe/London")).time() == time(19, 30)
    new_york = due[blake_in_new_york.pk].astimezone(ZoneInfo("America/New_York"))
    assert new_york.time() == time(19, 30)
    for person in (partner_a, blake_in_new_york):
        assert (
            f"entry-ritual-{ritual.pk}-" in client_for(person).get(reverse("rituals:calendar")).text
        )
    blake_due = due[blake_in_new_york.pk]
    tick_and_send(blake_due)
    assert [m.to for m in mail.outbox] == [[blake_in_new_york.email]]
    assert "Set for 19:30, your own time." in mail.outbox[0].body


def test_not_now_is_private_and_avery_sees_only_that_it_was_not_taken_up(
    couple: Couple, partner_a: User, partner_b: User, at_now: None
):
    ritual = suggest(client_for(partner_a))

    page = unescape(
        client_for(partner_b)
        .post(
            reverse("rituals:ritual_answer", args=[ritual.pk]), {"action": "decline"}, follow=True
        )
        .text
    )

    assert "Avery sees only that it wasn't taken up for now" in page
    ritual.refresh_from_db()
    assert ritual.proposal == Proposal.NOT_NOW
    assert ritual_reminders_due(ritual) == []
    assert (
        f'id="ritual-{ritual.pk}"' not in client_for(partner_b).get(reverse("rituals:index")).text
    )
    assert "suggested" not in client_for(partner_b).get(reverse("today")).text
    avery_page = client_for(partner_a).get(reverse("rituals:index")).text
    assert "Not taken up for now." in avery_page
    for blaming in ("declined", "refused", "rejected", "said no"):
        assert blaming not in avery_page.lower()
    # Avery can clear it away; suggesting it again later asks afresh.
    client_for(partner_a).post(
        reverse("rituals:ritual_change", args=[ritual.pk]), {"action": "stop"}
    )
    again = suggest(client_for(partner_a))
    assert again.pk != ritual.pk
    assert again.is_waiting


def test_blake_sees_the_suggestion_on_today_and_avery_does_not(
    couple: Couple, partner_a: User, partner_b: User, at_now: None
):
    suggest(client_for(partner_a))

    blake_today = client_for(partner_b).get(reverse("today")).text
    avery_today = client_for(partner_a).get(reverse("today")).text

    assert "A ritual Avery suggested" in blake_today
    assert "Reset breath" in blake_today or "reset" in blake_today.lower()
    assert "each of you is reminded at your own local time" in blake_today
    assert "suggested" not in avery_today


def test_only_the_partner_asked_can_answer_and_they_cannot_pause_it_instead(
    couple: Couple, partner_a: User, partner_b: User, at_now: None
):
    ritual = suggest(client_for(partner_a))

    assert answer(client_for(partner_a), ritual, "accept").status_code == 404
    change = reverse("rituals:ritual_change", args=[ritual.pk])
    assert client_for(partner_b).post(change, {"action": "pause"}).status_code == 404
    assert client_for(partner_b).post(change, {"action": "stop"}).status_code == 404
    mark = reverse("rituals:mark", args=[ritual.pk])
    client_for(partner_a).post(mark, {"date": "2026-11-25", "status": "kept"})
    assert not ritual.marks.exists()
    ritual.refresh_from_db()
    assert ritual.is_waiting
    assert ritual.stopped_at is None
    # Avery may take the suggestion back.
    client_for(partner_a).post(change, {"action": "stop"})
    assert ScheduledRitual.objects.get(pk=ritual.pk).stopped_at is not None
    assert answer(client_for(partner_b), ritual, "accept").status_code == 404


def test_an_answer_is_given_once(couple: Couple, partner_a: User, partner_b: User):
    ritual = suggest(client_for(partner_a))
    blake = couple_for_user(user=partner_b)
    assert blake is not None
    services.ritual_answer(couple=blake, ritual=ritual, accept=False)

    with pytest.raises(RitualError):
        services.ritual_answer(couple=blake, ritual=ritual, accept=True)
    ritual.refresh_from_db()
    assert ritual.proposal == Proposal.NOT_NOW


def test_suggesting_what_the_partner_already_suggested_is_a_yes(
    couple: Couple, partner_a: User, partner_b: User, at_now: None
):
    ritual = suggest(client_for(partner_a))

    same = suggest(client_for(partner_b))

    assert same.pk == ritual.pk
    ritual.refresh_from_db()
    assert ritual.is_accepted
    assert len(ritual_reminders_due(ritual)) == 2


def test_a_ritual_just_for_me_starts_at_once(couple: Couple, partner_a: User):
    avery = couple_for_user(user=partner_a)
    assert avery is not None
    ritual = services.ritual_schedule(
        couple=avery,
        data=ScheduleInput(
            ritual="reset-breath", cadence="daily", local_time=time(7), just_me=True
        ),
    )
    assert ritual.is_accepted
    assert [r.user_id for r in ritual_reminders_due(ritual)] == [partner_a.pk]


@pytest.mark.django_db(transaction=True)
def test_rituals_made_before_suggestions_existed_stay_on_for_both():
    before = [("rituals", "0008_marks_kept_or_let_go"), ("repair", "0014_clock_from_language")]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user_model = old.get_model("repair", "User")
    avery = user_model.objects.create(email="avery.old@example.com", display_name="Avery")
    couple = old.get_model("repair", "Couple").objects.create()
    old_ritual = old.get_model("rituals", "ScheduledRitual").objects.create(
        couple=couple, ritual="reset-breath", cadence="daily", local_time=time(8), created_by=avery
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    ritual = ScheduledRitual.objects.get(pk=old_ritual.pk)
    assert ritual.is_accepted
    assert ritual.is_active
