"""Rituals: scheduling from the library, the commitments calendar with personal marks, kind
follow-through, gratitude notes, gentle milestones and each person's reminder settings."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from importlib import import_module
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as live_apps
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse

from checkins.models import SHAREABLE_FIELDS, CheckIn, Visibility
from repair.couples.models import Couple, User
from repair.couples.selectors import couple_for_user
from repair.program.content import program
from repair.program.models import (
    AgreementVersion,
    Commitment,
    Conversation,
    ExerciseCompletion,
    StageReadiness,
)
from rituals import selectors, services
from rituals.models import (
    GratitudeNote,
    OccurrenceMark,
    Reminder,
    ReminderKind,
    ReminderSettings,
    ScheduledRitual,
)
from rituals.schedule import Rule, next_due
from rituals.services import ScheduleInput
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# A Wednesday. London is on UTC in November, New York five hours behind.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
NOTE_WORDS = "Thank you for making tea when I could not sleep"


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def schedule(
    user: User,
    *,
    slug: str = "weekly-touchpoint",
    cadence: str = "weekly",
    weekday: int | None = 2,
    day_of_month: int | None = None,
    at: time = time(19, 0),
    just_me: bool = False,
    now: datetime = NOW,
    accepted: bool = True,
) -> ScheduledRitual:
    """Scheduled by ``user``; one for both is then accepted by the partner at the same moment,
    unless ``accepted`` is False (left waiting for their yes)."""
    view = couple_for_user(user=user)
    assert view is not None
    ritual = services.ritual_schedule(
        couple=view,
        data=ScheduleInput(
            ritual=slug,
            cadence=cadence,
            local_time=at,
            weekday=weekday,
            day_of_month=day_of_month,
            just_me=just_me,
        ),
        now=now,
    )
    if ritual.is_waiting and accepted:
        assert view.partner is not None
        partner = couple_for_user(user=view.partner)
        assert partner is not None
        ritual = services.ritual_answer(couple=partner, ritual=ritual, accept=True, now=now)
    return ritual


def schedule_form(**overrides: str) -> dict[str, str]:
    return {
        "cadence": "weekly",
        "weekday": "6",
        "day_of_month": "",
        "local_time": "19:30",
        "who": "both",
        **overrides,
    }


def reminder_for(user: User, ritual: ScheduledRitual) -> Reminder | None:
    return Reminder.objects.filter(user=user, kind=ReminderKind.RITUAL, ritual=ritual).first()


def due_for(user: User, ritual: ScheduledRitual) -> datetime | None:
    reminder = reminder_for(user, ritual)
    assert reminder is not None, "the sync made no reminder row"
    return reminder.next_due_at


def entry_days(page: str, ritual: ScheduledRitual) -> list[str]:
    """The days (YYYYMMDD) on which a calendar page shows this ritual."""
    return re.findall(rf'<li id="entry-ritual-{ritual.pk}-(\d{{8}})"', page)


def calendar_url(**params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("rituals:calendar") + (f"?{query}" if query else "")


# --- scheduling -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "rule"),
    [
        ({"cadence": "daily"}, Rule(cadence="daily", at=time(19, 30))),
        ({"cadence": "weekly", "weekday": "6"}, Rule(cadence="weekly", at=time(19, 30), weekday=6)),
        (
            {"cadence": "monthly", "day_of_month": "31"},
            Rule(cadence="monthly", at=time(19, 30), day_of_month=31),
        ),
    ],
)
def test_scheduling_a_ritual_for_both_reminds_each_partner_in_their_own_zone(
    client_a: Client,
    partner_a: User,
    partner_b: User,
    at_now: None,
    form: dict[str, str],
    rule: Rule,
):
    partner_b.time_zone = "America/New_York"
    partner_b.save()

    response = client_a.post(
        reverse("rituals:schedule", args=["weekly-conversation"]), schedule_form(**form)
    )

    ritual = ScheduledRitual.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rituals:index") + f"#ritual-{ritual.pk}"
    assert (ritual.ritual, ritual.cadence, ritual.person) == (
        "weekly-conversation",
        rule.cadence,
        None,
    )
    # A suggestion until partner B says yes: nobody is reminded yet.
    assert all(reminder_for(p, ritual) is None for p in (partner_a, partner_b))
    client_for(partner_b).post(
        reverse("rituals:ritual_answer", args=[ritual.pk]), {"action": "accept"}
    )
    for person in (partner_a, partner_b):
        reminder = reminder_for(person, ritual)
        assert reminder is not None
        assert reminder.next_due_at == next_due(after=NOW, rule=rule, zone=person.zoneinfo)
    # Each at 19:30 on their own clock: five hours apart.
    a_due = due_for(partner_a, ritual)
    b_due = due_for(partner_b, ritual)
    assert a_due is not None
    assert b_due is not None
    assert a_due.astimezone(ZoneInfo("Europe/London")).time() == time(19, 30)
    assert b_due.astimezone(ZoneInfo("America/New_York")).time() == time(19, 30)


def test_a_ritual_just_for_me_reminds_only_me(
    client_a: Client, partner_a: User, partner_b: User, at_now: None
):
    client_a.post(
        reverse("rituals:schedule", args=["reset-breath"]),
        schedule_form(cadence="daily", who="me", local_time="07:15"),
    )

    ritual = ScheduledRitual.objects.get()
    assert ritual.person == partner_a
    reminder = reminder_for(partner_a, ritual)
    assert reminder is not None
    assert reminder.next_due_at == next_due(
        after=NOW, rule=Rule(cadence="daily", at=time(7, 15)), zone=partner_a.zoneinfo
    )
    assert reminder_for(partner_b, ritual) is None


def test_pausing_clears_the_reminders_and_resuming_restores_them(
    client_a: Client, client_b: Client, partner_a: User, partner_b: User, at_now: None
):
    ritual = schedule(partner_a)
    expected = next_due(
        after=NOW, rule=Rule(cadence="weekly", at=time(19), weekday=2), zone=partner_a.zoneinfo
    )
    url = reverse("rituals:ritual_change", args=[ritual.pk])

    client_b.post(url, {"action": "pause"})  # either partner may pause a shared ritual

    assert all(due_for(p, ritual) is None for p in (partner_a, partner_b))
    ritual.refresh_from_db()
    assert ritual.paused_at is not None
    assert "Weekly touchpoint" not in client_a.get(calendar_url()).text

    response = client_a.post(url, {"action": "resume"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Resumed" in response.text
    assert due_for(partner_a, ritual) == expected
    assert due_for(partner_b, ritual) is not None


def test_stopping_takes_it_off_the_calendar_and_stops_its_reminders(
    client_a: Client, partner_a: User, partner_b: User, at_now: None
):
    ritual = schedule(partner_a)
    assert "Weekly touchpoint" in client_a.get(calendar_url()).text

    stopped = client_a.post(
        reverse("rituals:ritual_change", args=[ritual.pk]), {"action": "stop"}, follow=True
    )

    assert "“Weekly touchpoint” is stopped and off the calendar." in stopped.text
    assert "Weekly touchpoint" not in client_a.get(calendar_url()).text
    assert "Weekly touchpoint" not in client_a.get(reverse("rituals:index")).text
    assert all(due_for(p, ritual) is None for p in (partner_a, partner_b))
    # Stopped for good: it can't be resumed or marked any more.
    again = client_a.post(reverse("rituals:ritual_change", args=[ritual.pk]), {"action": "resume"})
    assert again.status_code == 404


def test_stopping_with_htmx_leaves_a_kind_word_in_its_place(
    client_a: Client, partner_a: User, at_now: None
):
    ritual = schedule(partner_a)

    response = client_a.post(
        reverse("rituals:ritual_change", args=[ritual.pk]),
        {"action": "stop"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert f'<li id="ritual-{ritual.pk}"' in response.text
    assert "is stopped and off the calendar" in response.text
    assert "<html" not in response.text


def test_a_personal_ritual_is_changed_only_by_its_person(
    client_b: Client, partner_a: User, at_now: None
):
    ritual = schedule(partner_a, just_me=True)

    response = client_b.post(reverse("rituals:ritual_change", args=[ritual.pk]), {"action": "stop"})

    assert response.status_code == 404
    ritual.refresh_from_db()
    assert ritual.stopped_at is None


def test_the_library_shows_every_ritual_with_why_and_how(client_a: Client):
    page = client_a.get(reverse("rituals:library"))

    assert page.status_code == 200
    assert page.text.count("Schedule this") == 10
    assert "A shared breath slows a racing body down" in page.text  # a why
    assert "Choose a recipe together" in page.text  # a how


def test_an_unknown_ritual_is_a_404(client_a: Client):
    assert client_a.get(reverse("rituals:schedule", args=["no-such-ritual"])).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cadence": "weekly", "weekday": ""}, "Which day of the week suits you both?"),
        ({"cadence": "monthly", "day_of_month": ""}, "Which day of the month suits you both?"),
        ({"cadence": "monthly", "day_of_month": "32"}, "a number from 1 to 31"),
        ({"local_time": "25:99"}, "please use hours and minutes, like 19:30"),
        ({"cadence": "hourly"}, "Please choose how often"),
    ],
)
def test_a_schedule_that_doesnt_add_up_is_explained_kindly(
    client_a: Client, overrides: dict[str, str], message: str
):
    response = client_a.post(
        reverse("rituals:schedule", args=["date-night"]), schedule_form(**overrides)
    )

    assert response.status_code == 200
    assert message in response.text
    assert not ScheduledRitual.objects.exists()


def test_a_double_submit_schedules_one_ritual(client_a: Client, at_now: None):
    for _ in range(2):
        client_a.post(reverse("rituals:schedule", args=["date-night"]), schedule_form())

    assert ScheduledRitual.objects.count() == 1


# --- the calendar -------------------------------------------------------------------------------------


@pytest.fixture
def full_week(couple: Couple, partner_a: User, partner_b: User) -> dict[str, Any]:
    """One of everything in the week of 23–29 November 2026."""
    earlier = NOW - timedelta(days=40)
    daily = schedule(partner_a, slug="reset-breath", cadence="daily", at=time(8), now=earlier)
    weekly = schedule(partner_a, slug="date-night", weekday=4, now=earlier)
    monthly = schedule(
        partner_a, slug="boundary-review", cadence="monthly", day_of_month=27, now=earlier
    )
    CheckIn.objects.create(
        user=partner_a, couple=couple, local_date=date(2026, 11, 23), helped="Avery's own words"
    )
    CheckIn.objects.create(
        user=partner_b,
        couple=couple,
        local_date=date(2026, 11, 24),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
        helped="Blake's words",
    )
    agreement = next(e for e in program().exercises if e.type == "agreement")
    # An older version in force, replaced by a newer one: only the newer one's review shows.
    AgreementVersion.objects.create(
        couple=couple,
        exercise=agreement.slug,
        number=1,
        text="old",
        proposed_by=partner_a,
        in_force_at=earlier,
        review_on=date(2026, 11, 24),
    )
    AgreementVersion.objects.create(
        couple=couple,
        exercise=agreement.slug,
        number=2,
        text="new",
        proposed_by=partner_a,
        in_force_at=earlier,
        review_on=date(2026, 11, 26),
    )
    talk = next(e for e in program().exercises if e.type == "conversation" and e.commitment)
    conversation = Conversation.objects.create(
        couple=couple,
        exercise=talk.slug,
        floor=partner_a,
        state=Conversation.State.ENDED,
        ended_at=datetime(2026, 11, 24, 21, 0, tzinfo=UTC),
    )
    Commitment.objects.create(
        conversation=conversation, user=partner_a, text="I will call at lunch", agreed_at=NOW
    )
    Commitment.objects.create(
        conversation=conversation, user=partner_b, text="I will ask, not guess", agreed_at=NOW
    )
    return {
        "daily": daily,
        "weekly": weekly,
        "monthly": monthly,
        "agreement": agreement,
        "talk": talk,
    }


def test_the_week_shows_each_family_in_its_colour_with_a_label_and_a_key(
    client_a: Client, full_week: dict[str, Any], at_now: None
):
    page = client_a.get(calendar_url(view="week", date="2026-11-23")).text

    for family, label in (("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")):
        assert f"entry fam-{family}" in page
        assert f'<span class="fam-label">{label}</span>' in page
    assert len(entry_days(page, full_week["daily"])) == 7  # every day of the week
    assert entry_days(page, full_week["weekly"]) == ["20261127"]  # Friday
    assert entry_days(page, full_week["monthly"]) == ["20261127"]  # the 27th
    # The key: a word and a shape for each colour.
    assert "(circle)" in page
    assert "(diamond)" in page
    assert "(square)" in page
    # The person's own check-in, on its day; today's still open, kindly.
    assert "kind-checkin" in page
    assert "whenever you&#x27;re ready" in page or "whenever you're ready" in page
    # The agreement in force is reviewed on the 26th (the replaced version's date is not shown).
    assert page.count("Agreement review") == 1
    assert full_week["agreement"].title in page
    # The commitment note: its title and a link to the conversation, not the words.
    assert "Commitment note" in page
    assert (
        reverse("program_exercise", args=[full_week["talk"].stage, full_week["talk"].slug]) in page
    )
    assert "I will call at lunch" not in page


def test_the_review_and_the_commitment_fall_on_their_own_days(
    partner_a: User, full_week: dict[str, Any], at_now: None
):
    view = couple_for_user(user=partner_a)
    assert view is not None
    page = selectors.calendar_page(couple=view, view="week", day=date(2026, 11, 23))
    kinds = {(d.day, e.kind) for d in page.days for e in d.entries}

    assert (date(2026, 11, 26), "review") in kinds
    assert (date(2026, 11, 24), "review") not in kinds
    assert (date(2026, 11, 24), "commitment") in kinds
    assert (date(2026, 11, 23), "checkin") in kinds
    assert (date(2026, 11, 24), "checkin") not in kinds  # Blake's check-in is Blake's
    assert (date(2026, 11, 27), "ritual") in kinds  # the monthly one, on the 27th


def test_the_month_shows_shapes_in_the_grid_and_lists_weekly_and_monthly_things(
    client_a: Client, full_week: dict[str, Any], at_now: None
):
    page = client_a.get(calendar_url(view="month", date="2026-11-05")).text

    assert "November 2026" in page
    assert 'class="calendar ritual-month"' in page
    assert '<span class="fam-daily"><span class="fam-marker">' in page
    assert "Weekly and monthly, this month" in page
    assert page.count("Weekly date night") >= 4  # every Friday, in the list and the grid's words
    # Screen readers hear each day's entries in words.
    assert "Monthly boundary review (Monthly)" in page


def test_a_ritual_shows_only_from_the_day_it_was_scheduled(client_a: Client, partner_a: User):
    ritual = schedule(partner_a, slug="reset-breath", cadence="daily")

    with time_machine.travel(NOW, tick=False):
        before = client_a.get(calendar_url(view="week", date="2026-11-16")).text
        this_week = client_a.get(calendar_url(view="week", date="2026-11-23")).text

    assert entry_days(before, ritual) == []
    assert entry_days(this_week, ritual) == [f"202611{d}" for d in range(25, 30)]  # Wed to Sun


@pytest.mark.parametrize(
    "query",
    [
        "?view=year",
        "?view=month&date=2026-13-01",
        "?date=not-a-date",
        "?date=0001-01-01",
        "?view=month&date=9999-12-31",
        "?view=week&date=",
        "?view[]=week&date=2026-02-30",
    ],
)
def test_the_calendar_survives_bad_parameters(client_a: Client, partner_a: User, query: str):
    schedule(partner_a, slug="reset-breath", cadence="daily")

    response = client_a.get(reverse("rituals:calendar") + query)

    assert response.status_code == 200
    assert "Reset breath" in response.text


def test_an_outsider_never_sees_the_couples_rituals_nor_marks_them(
    client_outsider: Client, couple: Couple, partner_a: User, at_now: None
):
    ritual = schedule(partner_a, slug="date-night", weekday=2)

    for url in (reverse("rituals:index"), calendar_url(), calendar_url(view="month")):
        page = client_outsider.get(url)
        assert page.status_code == 200
        assert "Weekly date night" not in page.text
    marked = client_outsider.post(
        reverse("rituals:mark", args=[ritual.pk]), {"date": str(TODAY), "status": "kept"}
    )
    changed = client_outsider.post(
        reverse("rituals:ritual_change", args=[ritual.pk]), {"action": "stop"}
    )

    assert marked.status_code == changed.status_code == 404
    assert not OccurrenceMark.objects.exists()
    ritual.refresh_from_db()
    assert ritual.stopped_at is None


# --- marks --------------------------------------------------------------------------------------------


def test_marking_today_kept_inline_and_changing_it_keeps_one_mark(
    client_a: Client, partner_a: User, at_now: None
):
    ritual = schedule(partner_a, weekday=TODAY.weekday())
    url = reverse("rituals:mark", args=[ritual.pk])

    first = client_a.post(url, {"date": str(TODAY), "status": "kept"}, HTTP_HX_REQUEST="true")

    assert first.status_code == 200
    assert f'id="entry-ritual-{ritual.pk}-20261125"' in first.text
    assert "<html" not in first.text  # just the entry, swapped in place
    assert 'value="kept" id="entry-ritual-' in first.text
    assert 'aria-pressed="true"' in first.text
    assert "Noted: kept." in first.text

    client_a.post(url, {"date": str(TODAY), "status": "skipped"}, HTTP_HX_REQUEST="true")

    mark = OccurrenceMark.objects.get()
    assert (mark.user, mark.date, mark.status) == (partner_a, TODAY, "skipped")


def test_marking_without_javascript_goes_back_to_the_calendar(
    client_a: Client, partner_a: User, at_now: None
):
    ritual = schedule(partner_a, slug="reset-breath", cadence="daily", now=NOW - timedelta(days=3))
    here = calendar_url(view="week", date="2026-11-23")

    response = client_a.post(
        reverse("rituals:mark", args=[ritual.pk]),
        {"date": "2026-11-23", "status": "skipped", "next": here},
    )

    assert response.status_code == 302
    assert response["Location"] == here
    assert OccurrenceMark.objects.get().status == "skipped"
    assert 'aria-pressed="true"' in client_a.get(here).text


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-11-26", "That day hasn&#x27;t come yet"),  # tomorrow
        ("2026-11-24", "This ritual wasn&#x27;t planned for that day"),  # not its weekday
        ("2026-11-18", "This ritual wasn&#x27;t planned for that day"),  # before it was scheduled
    ],
)
def test_only_past_or_todays_occurrences_can_be_marked(
    client_a: Client, partner_a: User, at_now: None, day: str, message: str
):
    ritual = schedule(partner_a, weekday=2)

    response = client_a.post(
        reverse("rituals:mark", args=[ritual.pk]),
        {"date": day, "status": "kept"},
        HTTP_HX_REQUEST="true",
    )

    assert message in response.text
    assert not OccurrenceMark.objects.exists()


def test_only_the_people_a_ritual_is_for_can_mark_it(
    client_a: Client, client_b: Client, partner_a: User, at_now: None
):
    ritual = schedule(partner_a, weekday=2, just_me=True)

    refused = client_b.post(
        reverse("rituals:mark", args=[ritual.pk]), {"date": str(TODAY), "status": "kept"}
    )
    blakes_week = client_b.get(calendar_url()).text

    assert refused.status_code == 404
    assert not OccurrenceMark.objects.exists()
    assert "just for Avery" in blakes_week  # Blake sees it is Avery's...
    assert reverse("rituals:mark", args=[ritual.pk]) not in blakes_week  # ...with nothing to mark
    assert reverse("rituals:mark", args=[ritual.pk]) in client_a.get(calendar_url()).text


def test_my_marks_are_mine_alone(
    client_a: Client, client_b: Client, partner_a: User, partner_b: User, at_now: None
):
    ritual = schedule(partner_a, weekday=2)
    view = couple_for_user(user=partner_a)
    assert view is not None
    services.occurrence_mark(ritual=ritual, user=partner_a, day=TODAY, status="skipped", now=NOW)

    assert 'aria-pressed="true"' in client_a.get(calendar_url()).text
    assert 'aria-pressed="true"' not in client_b.get(calendar_url()).text


def test_the_calendar_shows_each_new_mark_at_once(client_a: Client, partner_a: User, at_now: None):
    ritual = schedule(partner_a, slug="reset-breath", cadence="daily", now=NOW - timedelta(days=3))
    here = calendar_url(view="week", date="2026-11-23")
    mark_url = reverse("rituals:mark", args=[ritual.pk])
    pressed = re.compile(
        r'value="(\w+)" id="entry-ritual-\d+-20261124-\w+" class="mark-choice" '
        r'aria-pressed="true"'
    )
    assert not pressed.search(client_a.get(here).text)

    client_a.post(mark_url, {"date": "2026-11-24", "status": "kept", "next": here})
    assert pressed.findall(client_a.get(here).text) == ["kept"]

    client_a.post(mark_url, {"date": "2026-11-24", "status": "skipped", "next": here})
    assert pressed.findall(client_a.get(here).text) == ["skipped"]


def test_the_calendar_carries_this_persons_own_csrf_token(
    couple: Couple, partner_a: User, partner_b: User, at_now: None
):
    """Each mark form holds the token of the session the page is for, and a form posted from a
    page seen before is accepted."""
    ritual = schedule(partner_a, slug="reset-breath", cadence="daily", now=NOW - timedelta(days=3))
    here = calendar_url(view="week", date="2026-11-23")
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    avery = Client(enforce_csrf_checks=True)
    avery.force_login(partner_a)
    blake = Client(enforce_csrf_checks=True)
    blake.force_login(partner_b)

    avery.get(here)
    cached = avery.get(here).text  # seen a second time
    tokens = set(token.findall(cached))
    assert tokens

    posted = avery.post(
        reverse("rituals:mark", args=[ritual.pk]),
        {"date": "2026-11-23", "status": "kept", "next": here, "csrfmiddlewaretoken": tokens.pop()},
    )
    assert posted.status_code == 302
    assert OccurrenceMark.objects.get().status == "kept"
    blakes = set(token.findall(blake.get(here).text))
    assert blakes
    assert not blakes & set(token.findall(cached))


# --- no scorekeeping ---------------------------------------------------------------------------------


def test_a_ritual_is_never_scored_as_kept_n_of_the_last_m(client_a: Client, partner_a: User):
    ritual = schedule(partner_a, slug="reset-breath", cadence="daily", now=NOW - timedelta(days=30))
    for back in range(1, 13):
        services.occurrence_mark(
            ritual=ritual,
            user=partner_a,
            day=TODAY - timedelta(days=back),
            status="skipped" if back in (3, 7) else "kept",
            now=NOW,
        )

    with time_machine.travel(NOW, tick=False):
        page = client_a.get(reverse("rituals:index")).text

    assert "You kept" not in page
    assert " of the last " not in page
    assert "Nothing marked kept yet" not in page


def test_a_day_is_marked_kept_or_let_go_and_never_missed(client_a: Client, partner_a: User):
    ritual = schedule(partner_a, slug="reset-breath", cadence="daily", now=NOW - timedelta(days=3))
    here = calendar_url(view="week", date="2026-11-23")

    with time_machine.travel(NOW, tick=False):
        page = client_a.get(here).text
        refused = client_a.post(
            reverse("rituals:mark", args=[ritual.pk]),
            {"date": "2026-11-23", "status": "missed"},
            HTTP_HX_REQUEST="true",
        )

    choices = set(re.findall(r'name="status" value="(\w+)"', page))
    assert choices == {"kept", "skipped"}
    assert ">Let go<" in page
    assert "Missed" not in page
    assert "Skipped" not in page
    assert "Please choose kept or let go." in refused.text
    assert not OccurrenceMark.objects.exists()


def test_an_old_missed_mark_becomes_let_go(couple: Couple, partner_a: User):
    ritual = schedule(partner_a, slug="reset-breath", cadence="daily", now=NOW - timedelta(days=3))
    OccurrenceMark.objects.create(ritual=ritual, user=partner_a, date=TODAY, status="missed")

    import_module("rituals.migrations.0008_marks_kept_or_let_go").missed_becomes_let_go(
        live_apps, None
    )

    assert OccurrenceMark.objects.get().status == "skipped"


# --- gratitude notes ----------------------------------------------------------------------------------


def test_the_partner_sees_a_note_once_and_it_is_marked_read(
    client_a: Client, client_b: Client, partner_b: User
):
    client_a.post(reverse("rituals:note_send"), {"text": NOTE_WORDS})

    first = client_b.get(reverse("rituals:index")).text
    note = GratitudeNote.objects.get()
    again = client_b.get(reverse("rituals:index")).text

    assert "A note from Avery" in first
    assert NOTE_WORDS in first
    assert note.read_at is not None
    assert "A note from Avery" not in again  # no longer new...
    assert NOTE_WORDS in again  # ...but kept among the earlier notes
    # The sender's own visit doesn't mark it read for the partner.
    assert "A note from" not in client_a.get(reverse("rituals:index")).text


def test_an_unread_note_shows_on_today_until_opened_on_the_rituals_page(
    client_a: Client, client_b: Client
):
    client_a.post(reverse("rituals:note_send"), {"text": NOTE_WORDS})

    today = client_b.get(reverse("today")).text

    assert "A note from Avery" in today
    assert NOTE_WORDS in today
    assert GratitudeNote.objects.get().read_at is None  # a GET of Today writes nothing
    client_b.get(reverse("rituals:index"))
    assert GratitudeNote.objects.get().read_at is not None
    assert NOTE_WORDS not in client_b.get(reverse("today")).text


def test_sending_a_note_with_htmx_swaps_the_card_and_clears_the_box(client_a: Client):
    response = client_a.post(
        reverse("rituals:note_send"), {"text": NOTE_WORDS}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert 'id="note-card"' in response.text
    assert "<html" not in response.text
    assert "Sent. They'll see it next time they look." in response.text
    assert NOTE_WORDS not in response.text


def test_the_note_email_is_neutral_and_only_for_a_partner_who_asked(
    client_a: Client, partner_b: User
):
    client_a.post(reverse("rituals:note_send"), {"text": "first " + NOTE_WORDS})
    assert mail.outbox == []  # off by default

    ReminderSettings.objects.create(user=partner_b, notes_email_enabled=True)
    client_a.post(reverse("rituals:note_send"), {"text": NOTE_WORDS})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert message.to == [partner_b.email]
    assert message.subject == "You have a note waiting"
    for part in (message.subject, str(message.body), html):
        assert NOTE_WORDS not in part
        assert "tea" not in part
        assert "Avery" not in part  # not even who wrote it
    assert reverse("rituals:index") in str(message.body)
    assert "/unsubscribe/" in str(message.body)


def test_no_note_email_while_the_partners_reminders_are_paused(client_a: Client, partner_b: User):
    ReminderSettings.objects.create(
        user=partner_b, notes_email_enabled=True, paused_until=NOW + timedelta(days=2)
    )

    with time_machine.travel(NOW, tick=False):
        client_a.post(reverse("rituals:note_send"), {"text": NOTE_WORDS})

    assert GratitudeNote.objects.count() == 1
    assert mail.outbox == []


def test_an_outsider_never_sees_a_note(client_a: Client, client_outsider: Client):
    client_a.post(reverse("rituals:note_send"), {"text": NOTE_WORDS})

    for url in (reverse("rituals:index"), reverse("today")):
        assert NOTE_WORDS not in client_outsider.get(url).text
    assert GratitudeNote.objects.get().read_at is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Write a few words first"),
        ("thanks " * 100, "Please keep one note under 500 characters"),
    ],
)
def test_an_empty_or_very_long_note_is_refused_kindly_and_the_words_are_kept(
    client_a: Client, text: str, message: str
):
    response = client_a.post(reverse("rituals:note_send"), {"text": text})

    assert response.status_code == 200
    assert message in response.text
    if text.strip():
        assert text.strip() in response.text  # still in the box
    assert not GratitudeNote.objects.exists()


# --- milestones ---------------------------------------------------------------------------------------


def test_a_first_week_of_check_ins_is_noticed_at_seven(
    client_a: Client, partner_a: User, couple: Couple
):
    for back in range(6):
        CheckIn.objects.create(
            user=partner_a, couple=couple, local_date=TODAY - timedelta(days=back * 3)
        )
    assert 'data-milestone="first-week"' not in client_a.get(reverse("rituals:index")).text

    CheckIn.objects.create(user=partner_a, couple=couple, local_date=TODAY - timedelta(days=40))

    assert 'data-milestone="first-week"' in client_a.get(reverse("rituals:index")).text


def test_a_finished_stage_is_noticed(
    client_a: Client, partner_a: User, partner_b: User, couple: Couple
):
    stage = program().stages[0]
    for person in (partner_a, partner_b):
        for exercise in stage.required:
            ExerciseCompletion.objects.create(couple=couple, user=person, exercise=exercise.slug)
    StageReadiness.objects.create(couple=couple, user=partner_a, stage=stage.slug)
    assert "You finished" not in client_a.get(reverse("rituals:index")).text  # one isn't ready

    StageReadiness.objects.create(couple=couple, user=partner_b, stage=stage.slug)

    page = client_a.get(reverse("rituals:index")).text
    assert f'data-milestone="stage-{stage.slug}"' in page
    assert stage.title in page


def test_a_month_of_kept_rituals_is_four_weeks_with_one_kept_not_a_streak(
    client_a: Client, partner_a: User
):
    ritual = schedule(partner_a, weekday=2, now=NOW - timedelta(days=70))
    wednesdays = [TODAY - timedelta(weeks=n) for n in (1, 3, 5)]  # gaps are fine
    for day in wednesdays:
        services.occurrence_mark(ritual=ritual, user=partner_a, day=day, status="kept", now=NOW)
    services.occurrence_mark(  # skipped doesn't count, and doesn't count against
        ritual=ritual, user=partner_a, day=TODAY - timedelta(weeks=2), status="skipped", now=NOW
    )
    assert 'data-milestone="month-of-rituals"' not in client_a.get(reverse("rituals:index")).text

    services.occurrence_mark(
        ritual=ritual, user=partner_a, day=TODAY - timedelta(weeks=8), status="kept", now=NOW
    )

    assert 'data-milestone="month-of-rituals"' in client_a.get(reverse("rituals:index")).text


# --- reminder settings --------------------------------------------------------------------------------


def settings_form(**overrides: str) -> dict[str, str]:
    return {
        "action": "save",
        "checkin_time": "20:30",
        "rituals_enabled": "on",
        "quiet_start": "",
        "quiet_end": "",
        **overrides,
    }


def test_reminder_settings_are_gentle_by_default(client_a: Client, partner_a: User):
    page = client_a.get(reverse("rituals:reminders"))

    assert page.status_code == 200
    assert page.context["form"].initial["checkin_enabled"] is False
    assert page.context["form"].initial["notes_email_enabled"] is False
    assert 'name="checkin_enabled" id="id_checkin_enabled" checked' not in page.text
    assert not ReminderSettings.objects.exists()  # looking changes nothing


def test_the_settings_page_links_to_reminders(client_a: Client):
    assert reverse("rituals:reminders") in client_a.get(reverse("settings")).text


def test_turning_on_the_check_in_reminder_schedules_it(client_a: Client, partner_a: User):
    with time_machine.travel(NOW, tick=False):
        response = client_a.post(
            reverse("rituals:reminders"),
            settings_form(checkin_enabled="on", checkin_time="07:15"),
        )

    assert response.status_code == 302
    prefs = ReminderSettings.objects.get(user=partner_a)
    assert (prefs.checkin_enabled, prefs.checkin_time) == (True, time(7, 15))
    reminder = Reminder.objects.get(user=partner_a, kind=ReminderKind.CHECKIN)
    assert reminder.next_due_at == next_due(
        after=NOW, rule=Rule(cadence="daily", at=time(7, 15)), zone=partner_a.zoneinfo
    )


def test_turning_off_ritual_prompts_clears_those_reminders(
    client_a: Client, partner_a: User, partner_b: User, at_now: None
):
    ritual = schedule(partner_a)

    client_a.post(reverse("rituals:reminders"), settings_form(rituals_enabled=""))

    assert due_for(partner_a, ritual) is None
    assert due_for(partner_b, ritual) is not None


def test_pausing_all_reminders_moves_them_past_the_pause_and_resuming_brings_them_back(
    client_a: Client, partner_a: User, at_now: None
):
    ritual = schedule(partner_a, slug="reset-breath", cadence="daily", at=time(8))
    before = due_for(partner_a, ritual)

    client_a.post(reverse("rituals:reminders"), {"action": "pause", "days": "5"})

    prefs = ReminderSettings.objects.get(user=partner_a)
    assert prefs.paused_until == NOW + timedelta(days=5)
    due = due_for(partner_a, ritual)
    assert due is not None
    assert due > prefs.paused_until
    assert "Reminders are paused" in client_a.get(reverse("rituals:reminders")).text

    client_a.post(reverse("rituals:reminders"), {"action": "resume"})

    assert ReminderSettings.objects.get(user=partner_a).paused_until is None
    assert due_for(partner_a, ritual) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (settings_form(checkin_time="25:99"), "please use hours and minutes, like 19:30"),
        (settings_form(quiet_start="22:00"), "Please set both a start and an end"),
        (settings_form(quiet_start="22:00", quiet_end="22:00"), "different start and end"),
        ({"action": "pause", "days": "0"}, "Please choose a number of days from 1 to 30."),
        ({"action": "pause", "days": "365"}, "Please choose a number of days from 1 to 30."),
        ({"action": "pause", "days": "soon"}, "Please choose a number of days from 1 to 30."),
    ],
)
def test_invalid_reminder_settings_are_explained_kindly_and_nothing_is_lost(
    client_a: Client, partner_a: User, data: dict[str, str], message: str
):
    ReminderSettings.objects.create(user=partner_a, checkin_enabled=True, checkin_time=time(21))

    response = client_a.post(reverse("rituals:reminders"), data)

    assert response.status_code == 200
    assert message in response.text
    for value in data.values():
        if value and value not in ("save", "pause", "on"):
            assert f'value="{value}"' in response.text  # what was typed is still there
    prefs = ReminderSettings.objects.get(user=partner_a)
    assert (prefs.checkin_enabled, prefs.checkin_time) == (True, time(21))
    assert prefs.quiet_start is None
    assert prefs.paused_until is None


def test_quiet_hours_are_saved_and_may_wrap_past_midnight(client_a: Client, partner_a: User):
    client_a.post(
        reverse("rituals:reminders"), settings_form(quiet_start="22:00", quiet_end="07:00")
    )

    prefs = ReminderSettings.objects.get(user=partner_a)
    assert (prefs.quiet_start, prefs.quiet_end) == (time(22), time(7))


# --- the Today card and query counts ------------------------------------------------------------------


def test_today_lists_my_rituals_for_today_only(
    client_a: Client, client_b: Client, partner_a: User, at_now: None
):
    schedule(partner_a, slug="date-night", weekday=TODAY.weekday(), just_me=True)
    schedule(partner_a, slug="cooking-together", weekday=(TODAY.weekday() + 1) % 7)

    mine = client_a.get(reverse("today")).text
    theirs = client_b.get(reverse("today")).text

    assert "Today's rituals" in mine
    assert "Weekly date night" in mine
    assert "Cooking together" not in mine  # tomorrow
    assert "Weekly date night" not in theirs  # Avery's own practice


def test_the_calendar_page_queries_stay_constant(
    couple: Couple, partner_a: User, partner_b: User, django_assert_max_num_queries
):
    client = client_for(partner_a)
    url = calendar_url(view="month", date="2026-11-01")
    first = schedule(partner_a, slug="reset-breath", cadence="daily", now=NOW - timedelta(days=60))
    with time_machine.travel(NOW, tick=False):
        client.get(url)  # the first request after signing in also touches the session
        with django_assert_max_num_queries(12) as small:
            client.get(url)
        # Counted now: the next request resets Django's query log, and with it this capture.
        queries_before = len(small.captured_queries)

    for n, slug in enumerate(("date-night", "cooking-together", "weekly-touchpoint")):
        schedule(partner_a, slug=slug, weekday=n, now=NOW - timedelta(days=60))
    schedule(
        partner_b,
        slug="boundary-review",
        cadence="monthly",
        day_of_month=3,
        now=NOW - timedelta(days=60),
    )
    for back in range(1, 50):
        day = TODAY - timedelta(days=back)
        OccurrenceMark.objects.create(ritual=first, user=partner_a, date=day, status="kept")
        CheckIn.objects.create(user=partner_a, couple=couple, local_date=day)
    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(12) as large:
            page = client.get(url)
        queries_after = len(large.captured_queries)
        week = client.get(calendar_url(view="week", date="2026-11-16"))

    assert page.status_code == 200
    assert queries_after == queries_before
    assert queries_before > 0
    assert week.text.count('aria-pressed="true"') == 7


def test_the_today_page_stays_within_its_query_budget_with_notes_and_rituals(
    client_a: Client, client_b: Client, partner_a: User, django_assert_max_num_queries
):
    schedule(partner_a, slug="reset-breath", cadence="daily", now=NOW - timedelta(days=1))
    client_b.get(reverse("today"))
    for n in range(3):
        client_a.post(reverse("rituals:note_send"), {"text": f"{NOTE_WORDS} {n}"})

    # The same budget as without notes: Today only reads.
    with django_assert_max_num_queries(10):
        page = client_b.get(reverse("today"))

    assert page.text.count(NOTE_WORDS) == 3
