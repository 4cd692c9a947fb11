"""The private safety screen, Pause and its notice: never revealed to the partner, never locking anyone out."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins.models import CheckIn
from repair.couples import selectors, services
from repair.couples.models import PauseNotice, SafetyCheck, User
from repair.couples.selectors import couple_for_user
from rituals import reminders
from rituals.models import Reminder, ReminderSend, ScheduledRitual
from tests.conftest import client_for
from tests.factories import make_couple, make_user

NO_CONCERN = {
    "afraid": "no",
    "hurt": "no",
    "strangled": "no",
    "sexual": "",
    "insults": "unsaid",
    "control": "unsaid",
    "pressure": "",
}
CONCERN = {"afraid": "yes", "hurt": "no", "control": "no", "pressure": "no"}


def newcomer(name: str = "Nico") -> User:
    return make_user(name, safety_checked=False)


@pytest.mark.django_db
def test_a_new_person_meets_the_private_check_before_starting_a_couple():
    person = newcomer()

    response = client_for(person).get(reverse("start"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("safety_check"))


def test_a_new_person_meets_the_check_before_accepting_an_invite(partner_a: User):
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    person = newcomer()
    url = reverse("invite_accept", kwargs={"token": new.token})

    page = client_for(person).get(url)
    forced = client_for(person).post(url)  # skipping the check by posting directly doesn't pair

    assert page["Location"] == f"{reverse('safety_check')}?next={url}"
    assert forced["Location"] == f"{reverse('safety_check')}?next={url}"
    assert couple_for_user(user=person) is None


@pytest.mark.django_db
def test_no_concern_still_shows_the_support_lines_then_goes_on_and_keeps_only_the_outcome():
    person = newcomer()
    client = client_for(person)

    response = client.post(reverse("safety_check"), {**NO_CONCERN, "next": "/start/"})
    support = client.get(response["Location"])

    assert response["Location"].startswith(reverse("safety_support"))
    assert "Emergency services" in support.text
    assert "Suicide and self-harm" in support.text
    assert 'href="/start/"' in support.text
    assert "may not be safe" not in support.text
    check = SafetyCheck.objects.get(user=person)
    assert (check.concern, check.possible, check.choice) == (False, False, "together")
    assert {f.name for f in SafetyCheck._meta.get_fields()} == {
        "id",
        "user",
        "concern",
        "possible",
        "choice",
        "completed_at",
    }


@pytest.mark.django_db
def test_a_concern_shows_support_and_says_plainly_couple_work_may_not_be_safe():
    person = newcomer()
    client = client_for(person)

    response = client.post(reverse("safety_check"), CONCERN, follow=True)

    assert "may not be safe for you right now" in response.text
    assert "Emergency services" in response.text
    assert SafetyCheck.objects.get(user=person).choice == "alone"


@pytest.mark.django_db
def test_continuing_alone_offers_check_ins_and_pauses_couple_work_without_locking_out():
    person = newcomer()
    client = client_for(person)
    client.post(reverse("safety_check"), CONCERN)

    start = client.get(reverse("start"))
    created = client.post(reverse("start"))
    checkin = client.get(reverse("checkins:index"))

    assert "continuing on your own" in start.text
    assert created.status_code == 200
    assert couple_for_user(user=person) is None
    assert checkin.status_code == 200


@pytest.mark.django_db
def test_continuing_anyway_is_the_persons_own_choice():
    person = newcomer()
    client = client_for(person)
    client.post(reverse("safety_check"), CONCERN)

    client.post(reverse("safety_support"), {"choice": "together", "next": "/start/"})
    client.post(reverse("start"))

    assert couple_for_user(user=person) is not None


def test_the_partner_never_learns_of_the_check_or_a_concern(partner_a: User):
    person = newcomer("Blake")
    client_b = client_for(person)
    client_b.post(reverse("safety_check"), CONCERN)
    client_b.post(reverse("safety_support"), {"choice": "together"})
    couple = services.couple_create(user=partner_a)
    new = services.invite_create(couple=couple, created_by=partner_a)
    client_b.post(reverse("invite_accept", kwargs={"token": new.token}))
    client_a = client_for(partner_a)

    pages = [
        client_a.get(reverse(name)).text
        for name in ("today", "settings", "program", "checkins:index", "rituals:index")
    ]

    for page in pages:
        assert (
            "safety"
            not in page.lower()
            .replace("safety check again", "")
            .replace("felt safety", "")
            .replace("safety stage", "")
            or "concern" not in page.lower()
        )
        assert "concern" not in page.lower()
        assert "on your own" not in page


def test_the_check_can_be_retaken_any_time(partner_a: User):
    client = client_for(partner_a)
    client.post(reverse("safety_check"), CONCERN)
    assert SafetyCheck.objects.get(user=partner_a).concern is True

    client.post(reverse("safety_check"), NO_CONCERN)

    assert SafetyCheck.objects.get(user=partner_a).concern is False


@pytest.mark.django_db
def test_the_check_page_explains_quick_exit_signs_out_but_does_not_clear_history():
    page = client_for(newcomer()).get(reverse("safety_check")).text

    assert "signs you out and leaves this site at once" in page
    assert "opening the site again shows the sign-in page" in page
    assert "does not clear your browser history" in page


# --- pause ---------------------------------------------------------------------------------------------


def test_i_need_a_pause_tells_the_partner_only_that_and_when(
    couple, partner_a: User, partner_b: User
):
    response = client_for(partner_a).post(reverse("pause"), {"minutes": "30"})

    assert response.status_code == 302
    notice = PauseNotice.objects.get()
    assert notice.back_at is not None
    assert 29 <= (notice.back_at - timezone.now()).total_seconds() / 60 <= 30
    today_b = client_for(partner_b).get(reverse("today")).text
    assert "Avery is taking some time" in today_b
    assert "Avery will be back around" in today_b
    assert "is taking some time" not in client_for(partner_a).get(reverse("today")).text


def test_a_pause_notice_ends_at_its_time(couple, partner_a: User, partner_b: User):
    PauseNotice.objects.create(
        couple=couple, user=partner_a, back_at=timezone.now() - timedelta(minutes=1)
    )

    assert "taking some time" not in client_for(partner_b).get(reverse("today")).text


def test_pause_page_shows_a_timer_and_works_signed_out():
    page = Client().get(reverse("pause"))

    assert page.status_code == 200
    assert "data-practice" in page.text
    assert "will see only" not in page.text  # no partner to tell


def test_a_forged_return_time_is_refused_kindly(couple, partner_a: User):
    response = client_for(partner_a).post(reverse("pause"), {"minutes": "99999"})

    assert response.status_code == 200
    assert "Please choose when you&#x27;ll come back." in response.text
    assert not PauseNotice.objects.exists()


def test_another_couple_never_sees_a_pause(couple, partner_a: User, outsider: User):
    client_for(partner_a).post(reverse("pause"), {"minutes": "30"})

    assert "taking some time" not in client_for(outsider).get(reverse("today")).text


def test_demo_partners_are_past_the_check(db):
    other = make_user("Solo")
    make_couple(other)

    assert SafetyCheck.objects.filter(user=other).exists()


def test_the_one_who_paused_says_im_back_and_the_partners_notice_goes(
    couple, partner_a: User, partner_b: User
):
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    client_a.post(reverse("pause"), {"minutes": "60"})
    assert "I&#x27;m back" in client_a.get(reverse("pause")).text

    back = client_a.post(reverse("pause"), {"action": "back"}, follow=True)

    assert "Welcome back. Blake no longer sees the pause." in back.text
    notice = PauseNotice.objects.get()
    assert notice.ended_at is not None
    assert not notice.cancelled
    assert "taking some time" not in client_b.get(reverse("today")).text
    assert "You&#x27;re on a pause" not in back.text


def test_a_pause_sent_by_mistake_can_be_cancelled(couple, partner_a: User, partner_b: User):
    client_a = client_for(partner_a)
    client_a.post(reverse("pause"), {"minutes": "15"})

    cancelled = client_a.post(reverse("pause"), {"action": "cancel"}, follow=True)

    assert "The pause is cancelled. Blake no longer sees it." in cancelled.text
    assert PauseNotice.objects.get().cancelled
    assert "taking some time" not in client_for(partner_b).get(reverse("today")).text


def test_partner_b_cannot_end_partner_as_pause(couple, partner_a: User, partner_b: User):
    client_for(partner_a).post(reverse("pause"), {"minutes": "60"})
    client_b = client_for(partner_b)

    client_b.post(reverse("pause"), {"action": "back"})
    client_b.post(reverse("pause"), {"action": "cancel"})

    assert PauseNotice.objects.get().ended_at is None
    assert "Avery is taking some time" in client_b.get(reverse("today")).text


def test_a_pause_for_a_while_runs_until_they_say_they_are_back(
    couple, partner_a: User, partner_b: User
):
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    sent = client_a.post(reverse("pause"), {"minutes": "0"}, follow=True)
    notice = PauseNotice.objects.get()

    assert notice.back_at is None
    assert "Say “I&#x27;m back” here when you are" in sent.text
    today_b = client_b.get(reverse("today")).text
    assert "Avery will be back when they're ready" in today_b
    PauseNotice.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(days=9))
    assert "Avery is taking some time" in client_b.get(reverse("today")).text
    client_a.post(reverse("pause"), {"action": "back"})
    assert "taking some time" not in client_b.get(reverse("today")).text


def test_a_new_pause_replaces_the_one_still_running(couple, partner_a: User):
    client_a = client_for(partner_a)
    client_a.post(reverse("pause"), {"minutes": "15"})
    client_a.post(reverse("pause"), {"minutes": "180"})

    running = [p for p in PauseNotice.objects.all() if p.running(now=timezone.now())]
    assert len(running) == 1
    assert running[0].length() == timedelta(minutes=180)


@pytest.mark.parametrize(("clock", "shown"), [("", "20:30"), ("12", "8:30 p.m.")])
def test_times_use_the_persons_own_clock(
    couple, partner_a: User, partner_b: User, clock: str, shown: str
):
    User.objects.filter(pk=partner_b.pk).update(clock=clock)  # partner B lives in London
    back_at = (timezone.now() + timedelta(days=1)).replace(hour=20, minute=30, second=0)
    PauseNotice.objects.create(couple=couple, user=partner_a, back_at=back_at)

    today_b = client_for(partner_b).get(reverse("today")).text

    assert f"Avery will be back around {shown}." in today_b


def test_the_clock_format_is_a_setting_of_ones_own(partner_a: User):
    client = client_for(partner_a)
    client.post(
        reverse("settings"),
        {"display_name": "Avery", "time_zone": "Europe/London", "clock": "12"},
    )
    partner_a.refresh_from_db()
    assert partner_a.clock == "12"

    refused = client.post(
        reverse("settings"),
        {"display_name": "Avery", "time_zone": "Europe/London", "clock": "36"},
    )
    assert "Please pick one of the ways to show times." in refused.text


# --- the check, kept true after pairing -------------------------------------------------------------


@pytest.mark.django_db
def test_the_check_covers_what_screening_covers_and_says_to_answer_it_alone():
    page = client_for(newcomer()).get(reverse("safety_check")).text

    for words in (
        "afraid of your partner",
        "physically hurt you",
        "around your neck",
        "sexual things you didn&#x27;t want",
        "put you down",
        "control your money, check your phone",
        "pushed to use this app",
    ):
        assert words in page, words
    assert "Answer this alone" in page
    assert "on your own phone or computer if you can" in page


@pytest.mark.django_db
@pytest.mark.parametrize("question", ["afraid", "hurt", "strangled"])
def test_rather_not_say_on_fear_or_harm_is_met_gently_as_a_possible_concern(question: str):
    person = newcomer()
    client = client_for(person)

    page = client.post(reverse("safety_check"), {**NO_CONCERN, question: "unsaid"}, follow=True)

    check = SafetyCheck.objects.get(user=person)
    assert (check.concern, check.possible, check.choice) == (True, True, "alone")
    assert "You chose not to answer some of the questions about fear or harm" in page.text
    assert "From what you said" not in page.text
    assert "Continue with couple work anyway" in page.text


@pytest.mark.django_db
@pytest.mark.parametrize("question", ["strangled", "sexual", "insults", "control", "pressure"])
def test_a_yes_to_any_question_is_a_concern(question: str):
    person = newcomer()

    client_for(person).post(reverse("safety_check"), {**NO_CONCERN, question: "yes"})

    check = SafetyCheck.objects.get(user=person)
    assert (check.concern, check.possible) == (True, False)


def aside_notice(page: str) -> str:
    """The partner-facing "taking some time" card on Today, as text."""
    start = page.index('<section class="card notice" aria-labelledby="pause-heading"')
    return page[start : page.index("</section>", start)]


def test_a_paired_person_who_shows_a_concern_steps_aside_and_the_partner_sees_only_a_pause(
    couple, partner_a: User, partner_b: User
):
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    # What partner B sees when partner A pauses "for a while", for any reason...
    client_a.post(reverse("pause"), {"minutes": "0"})
    paused = aside_notice(client_b.get(reverse("today")).text)
    client_a.post(reverse("pause"), {"action": "back"})
    assert "taking some time" not in client_b.get(reverse("today")).text

    # ...is exactly what they see when A retakes the check and it shows a concern.
    client_a.post(reverse("safety_check"), CONCERN)

    today_b = client_b.get(reverse("today")).text
    assert aside_notice(today_b) == paused
    for name in ("today", "program", "checkins:index", "rituals:index", "settings", "pause"):
        page = client_b.get(reverse(name)).text.lower()
        assert "on your own" not in page
        assert "concern" not in page
        assert "safety check" not in page.replace("take the private safety check again", "")
    assert selectors.couple_work_paused_for(user=partner_b, now=timezone.now())
    assert selectors.couple_work_paused_for(user=partner_a, now=timezone.now())


def test_couple_work_waits_the_same_way_for_a_pause_as_for_a_step_aside(
    couple, partner_a: User, partner_b: User
):
    now = timezone.now()
    assert not selectors.couple_work_paused_for(user=partner_b, now=now)
    services.pause_notify(user=partner_a, minutes=30, now=now)
    assert selectors.couple_work_paused_for(user=partner_b, now=now)
    assert not selectors.couple_work_paused_for(user=partner_b, now=now + timedelta(minutes=31))


def test_the_person_who_stepped_aside_sees_it_and_their_check_ins_stay_private(
    couple, partner_a: User, partner_b: User
):
    client_a = client_for(partner_a)
    client_a.post(reverse("safety_check"), CONCERN)

    today_a = client_a.get(reverse("today")).text
    client_a.post(
        reverse("checkins:index"),
        {"safety": "2", "visibility": "shared", "helped": "a walk alone"},
    )

    assert "You're taking time on your own" in today_a
    assert 'value="shared"' not in client_a.get(reverse("checkins:index")).text
    assert "One next step" not in today_a
    assert CheckIn.objects.get(user=partner_a).visibility == "private"
    assert "a walk alone" not in client_for(partner_b).get(reverse("checkins:index")).text
    assert "taking time on your own" not in client_for(partner_b).get(reverse("today")).text


def test_going_back_to_couple_work_ends_the_step_aside(couple, partner_a: User, partner_b: User):
    client_a = client_for(partner_a)
    client_a.post(reverse("safety_check"), CONCERN)

    client_a.post(reverse("safety_support"), {"choice": "together"})

    assert not selectors.stepped_aside(user=partner_a)
    assert "taking some time" not in client_for(partner_b).get(reverse("today")).text
    assert "One next step" in client_a.get(reverse("today")).text


def test_a_stepped_aside_persons_shared_ritual_reminders_stop_but_not_their_partners(
    couple, partner_a: User, partner_b: User
):
    SafetyCheck.objects.filter(user=partner_a).update(concern=True, choice="alone")
    ritual = ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-conversation",
        cadence="weekly",
        weekday=2,
        local_time=time(19, 0),
        created_by=partner_b,
    )
    reminders.sync_ritual(ritual=ritual, now=datetime(2026, 6, 1, tzinfo=UTC))
    due = Reminder.objects.filter(ritual=ritual).values_list("next_due_at", flat=True).first()
    assert due is not None

    reminders.tick(now=due, enqueue=lambda ids: None)
    reminders.send(send_ids=ReminderSend.objects.values_list("pk", flat=True), now=due)

    assert [m.to[0] for m in mail.outbox] == [partner_b.email]
    assert ReminderSend.objects.get(reminder__user=partner_a).reason == "aside"


def test_the_check_is_offered_again_before_consent_until_answered_or_set_aside(
    couple, partner_a: User, partner_b: User
):
    assert selectors.safety_check_due(user=partner_a, before="consent")
    assert selectors.safety_check_due(user=partner_a, before="injury")
    client_a = client_for(partner_a)
    page = client_a.get(reverse("safety_check"), {"before": "consent", "next": "/program/"})
    assert "A private check, again" in page.text
    assert "Not now" in page.text

    client_a.post(reverse("safety_check"), {**NO_CONCERN, "before": "consent"})
    not_now = client_a.post(
        reverse("safety_check"), {"action": "not_now", "before": "injury", "next": "/program/"}
    )

    assert not selectors.safety_check_due(user=partner_a, before="consent")
    assert not selectors.safety_check_due(user=partner_a, before="injury")
    assert not_now["Location"] == "/program/"
    assert selectors.safety_check_due(user=partner_b, before="consent")  # each their own


def test_days_of_feeling_on_edge_offer_the_check_privately(
    couple, partner_a: User, partner_b: User
):
    today = partner_a.local_today()
    for days_ago in range(3):
        CheckIn.objects.create(
            user=partner_a,
            couple=couple,
            local_date=today - timedelta(days=days_ago),
            safety=1,
            visibility="shared",
        )
    client_a = client_for(partner_a)

    assert "Just for you: a private check" in client_a.get(reverse("today")).text
    assert "Just for you: a private check" not in client_for(partner_b).get(reverse("today")).text

    client_a.post(
        reverse("safety_check"), {"action": "not_now", "before": "low-safety", "next": "/"}
    )
    assert "Just for you: a private check" not in client_a.get(reverse("today")).text


def test_two_low_days_or_an_old_run_do_not_offer_the_check(couple, partner_a: User):
    today = partner_a.local_today()
    for days_ago in (0, 1, 6):
        CheckIn.objects.create(
            user=partner_a, couple=couple, local_date=today - timedelta(days=days_ago), safety=1
        )

    assert "Just for you: a private check" not in client_for(partner_a).get(reverse("today")).text


# --- support, in reach --------------------------------------------------------------------------------


def test_support_is_in_the_navigation_on_every_page(client_a: Client):
    for name in ("today", "program", "checkins:index", "rituals:index", "settings"):
        page = client_a.get(reverse(name)).text
        nav = page[page.index('<nav class="tabs"') : page.index("</nav>")]
        assert f'href="{reverse("resources")}"' in nav, name
        assert "Support" in nav


def test_the_default_support_lines_include_a_suicide_and_self_harm_line(db):
    page = Client().get(reverse("resources")).text

    assert "Suicide and self-harm" in page
    assert page.index("Emergency services") < page.index("Suicide and self-harm")


def test_leaving_the_couple_points_to_support_first(client_a: Client):
    page = client_a.get(reverse("leave")).text

    support = page.index(f'href="{reverse("resources")}"', page.index("<main"))
    assert support < page.index('action="/couple/leave/"')
    assert "Before anything else: support" in page


def test_the_partners_download_never_tells_of_a_step_aside(
    couple, partner_a: User, partner_b: User
):
    client_for(partner_a).post(reverse("safety_check"), CONCERN)
    client_b = client_for(partner_b)

    for fmt in ("json", "html"):
        exported = client_b.get(reverse("export_data"), {"format": fmt}).content.decode()
        assert "alone" not in exported.replace("carry them alone", "")
        assert "on my own" not in exported
        assert "raised a concern" in exported or fmt == "json"  # partner B's own: no concern
    assert SafetyCheck.objects.get(user=partner_b).concern is False
