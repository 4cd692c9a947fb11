"""Daily check-ins: one per local day, private unless shared, acknowledged, charted and exported."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps as live_apps
from django.core import mail
from django.test import Client
from django.urls import reverse

from checkins import selectors, services
from checkins.models import (
    SCALES,
    SHAREABLE_FIELDS,
    Acknowledgement,
    CheckIn,
    CheckinPreferences,
    Visibility,
)
from checkins.services import CheckinInput
from repair.couples import services as couple_services
from repair.couples.models import Couple, User
from repair.couples.selectors import couple_for_user
from rituals import reminders
from rituals.models import Reminder, ReminderKind, ReminderSend, SendStatus
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PRIVATE_WORDS = "my private worry about the phone calls"
SHARED_WORDS = "thank you for the walk tonight"


def record(
    user: User,
    *,
    shared: bool | tuple[str, ...] = False,
    helped: str = "",
    need: str = "",
    now: datetime | None = None,
    **scales,
):
    """A check-in; ``shared=True`` shares every question, a tuple only those named."""
    return services.checkin_record(
        user=user,
        couple=couple_for_user(user=user),
        data=CheckinInput(
            scales={"safety": 3, **scales},
            helped=helped,
            need=need,
            shared=frozenset(SHAREABLE_FIELDS if shared is True else shared or ()),
        ),
        now=now,
    )


def form_data(**overrides: str) -> dict[str, str]:
    return {
        "safety": "4",
        "mood": "3",
        "helped": "",
        "appreciated": "",
        "need": "",
        **overrides,
    }


# --- one per local day ---------------------------------------------------------------------------


def test_one_check_in_per_person_per_local_day(client_a: Client, partner_a: User):
    client_a.post(reverse("checkins:index"), form_data(mood="2"))
    client_a.post(reverse("checkins:index"), form_data(mood="5"))

    assert CheckIn.objects.filter(user=partner_a).count() == 1
    assert CheckIn.objects.get(user=partner_a).mood == 5


def test_a_check_in_can_be_edited_the_same_day(client_a: Client, partner_a: User):
    client_a.post(reverse("checkins:index"), form_data(helped="first thought"))

    page = client_a.get(reverse("checkins:index") + "?edit=1")
    assert "first thought" in page.text  # the form comes back filled in
    client_a.post(reverse("checkins:index"), form_data(helped="second thought"))

    assert CheckIn.objects.get(user=partner_a).helped == "second thought"


def test_a_double_submit_makes_one_check_in(client_a: Client, partner_a: User):
    data = form_data(helped="sent twice after a network blip")
    first = client_a.post(reverse("checkins:index"), data, HTTP_HX_REQUEST="true")
    second = client_a.post(reverse("checkins:index"), data, HTTP_HX_REQUEST="true")

    assert first.status_code == second.status_code == 200
    assert CheckIn.objects.filter(user=partner_a).count() == 1


def test_every_question_can_be_skipped(client_a: Client, partner_a: User):
    response = client_a.post(reverse("checkins:index"), {})

    assert response.status_code == 302
    checkin = CheckIn.objects.get(user=partner_a)
    assert checkin.scale_values() == dict.fromkeys(checkin.scale_values())


def test_hostile_or_out_of_range_values_are_refused_kindly_and_notes_are_kept(client_a: Client):
    response = client_a.post(
        reverse("checkins:index"),
        form_data(safety="9", helped="<script>x</script> I kept this"),
    )

    assert response.status_code == 200
    assert "Please pick one of the five points, or skip it." in response.text
    assert "&lt;script&gt;x&lt;/script&gt; I kept this" in response.text
    assert not CheckIn.objects.exists()


def test_the_local_day_follows_the_persons_own_time_zone(partner_a: User, partner_b: User):
    partner_a.time_zone = "Pacific/Auckland"
    partner_b.time_zone = "America/Los_Angeles"
    # 11:30 UTC on 1 March: already the evening of 2 March in Auckland, still 1 March (03:30) in LA.
    moment = datetime(2026, 3, 1, 11, 30, tzinfo=UTC)

    a = record(partner_a, now=moment)
    b = record(partner_b, now=moment)

    assert a.local_date == date(2026, 3, 2)
    assert b.local_date == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("zone", "before", "after", "same_day"),
    [
        # Spring forward in New York (8 March 2026, 02:00 → 03:00): 23:30 and 00:30 are two days.
        (
            "America/New_York",
            datetime(2026, 3, 8, 4, 30, tzinfo=UTC),
            datetime(2026, 3, 8, 5, 30, tzinfo=UTC),
            False,
        ),
        # Fall back in London (25 October 2026): 00:30 and 01:30 twice are one day.
        (
            "Europe/London",
            datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            True,
        ),
    ],
)
def test_local_day_is_right_across_daylight_saving_changes(
    partner_a: User, zone: str, before: datetime, after: datetime, same_day: bool
):
    partner_a.time_zone = zone

    first = record(partner_a, mood=2, now=before)
    second = record(partner_a, mood=4, now=after)

    assert (first.pk == second.pk) is same_day
    assert CheckIn.objects.filter(user=partner_a).count() == (1 if same_day else 2)


def test_after_travelling_the_new_time_zone_decides_the_day(partner_a: User):
    partner_a.time_zone = "Europe/London"
    evening = datetime(2026, 6, 1, 21, 0, tzinfo=UTC)  # 22:00 in London, 1 June
    record(partner_a, now=evening)

    partner_a.time_zone = "Asia/Tokyo"  # flew east: it is already 2 June there
    later = record(partner_a, now=evening + timedelta(hours=1))

    assert later.local_date == date(2026, 6, 2)
    assert CheckIn.objects.filter(user=partner_a).count() == 2


def test_the_form_remembers_the_last_sharing_choices(client_a: Client, partner_a: User):
    with time_machine.travel(datetime(2026, 5, 1, 12, tzinfo=UTC)):
        record(partner_a, shared=("mood", "need"), mood=3, need="a walk")
    with time_machine.travel(datetime(2026, 5, 2, 12, tzinfo=UTC)):
        page = client_a.get(reverse("checkins:index"))

    initial = page.context["form"].initial
    assert {k for k, v in initial.items() if k.startswith("share_") and v} == {
        "share_mood",
        "share_need",
    }


def test_first_check_in_shares_nothing_until_chosen(client_a: Client):
    page = client_a.get(reverse("checkins:index"))

    assert not [k for k in page.context["form"].initial if k.startswith("share_")]
    assert "checked" not in page.text.split('name="share_safety"')[1].split(">")[0]


def test_a_person_without_a_couple_can_check_in_privately(partner_a: User):
    client = client_for(partner_a)

    response = client.post(reverse("checkins:index"), form_data(share_mood="on"))

    assert response.status_code == 302
    checkin = CheckIn.objects.get(user=partner_a)
    assert (checkin.visibility, checkin.shared_fields) == (Visibility.PRIVATE, [])


def test_htmx_submit_returns_just_the_card(client_a: Client):
    response = client_a.post(reverse("checkins:index"), form_data(), HTTP_HX_REQUEST="true")

    assert response.text.lstrip().startswith('<section id="today-card"')
    assert "Thank you — saved." in response.text


# --- privacy ---------------------------------------------------------------------------------------


def partner_surfaces(client: Client, checkin: CheckIn) -> dict[str, str]:
    """Everything partner B can load: pages, fragments and exports."""
    return {
        "today": client.get(reverse("today")).text,
        "checkins": client.get(reverse("checkins:index")).text,
        "history": client.get(reverse("checkins:history")).text,
        "history-90": client.get(reverse("checkins:history") + "?range=90").text,
        "card-fragment": client.post(
            reverse("checkins:index"), form_data(), HTTP_HX_REQUEST="true"
        ).text,
        "export-csv": client.get(reverse("checkins:export", args=["csv"])).content.decode(),
        "export-json": client.get(reverse("checkins:export", args=["json"])).content.decode(),
        "ack": client.post(
            reverse("checkins:acknowledge", args=[checkin.pk]),
            {"kind": "heart"},
            HTTP_HX_REQUEST="true",
        ).text,
    }


def test_partner_cannot_see_a_private_check_in_anywhere(
    couple: Couple, partner_a: User, partner_b: User
):
    private = record(partner_a, helped=PRIVATE_WORDS)

    surfaces = partner_surfaces(client_for(partner_b), private)

    for name, text in surfaces.items():
        assert PRIVATE_WORDS not in text, name
    assert not Acknowledgement.objects.filter(checkin=private).exists()


def test_partner_sees_a_shared_check_in_on_today_and_can_acknowledge_it(
    couple: Couple, partner_a: User, partner_b: User
):
    shared = record(partner_a, shared=True, helped=SHARED_WORDS)
    client_b = client_for(partner_b)

    assert SHARED_WORDS in client_b.get(reverse("today")).text
    response = client_b.post(
        reverse("checkins:acknowledge", args=[shared.pk]),
        {"kind": "reply", "reply": "I loved it too"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "You replied:" in response.text
    assert "Blake replied:" in client_for(partner_a).get(reverse("today")).text
    assert "I loved it too" in client_for(partner_a).get(reverse("checkins:index")).text


def test_a_reply_with_no_words_is_explained(couple: Couple, partner_a: User, partner_b: User):
    shared = record(partner_a, shared=True)

    response = client_for(partner_b).post(
        reverse("checkins:acknowledge", args=[shared.pk]),
        {"kind": "reply", "reply": "  "},
        HTTP_HX_REQUEST="true",
    )

    assert "Write a few words first" in response.text
    assert not Acknowledgement.objects.exists()


def test_sharing_can_be_withdrawn_the_same_day(couple: Couple, partner_a: User, partner_b: User):
    record(partner_a, shared=True, helped=SHARED_WORDS)
    record(partner_a, shared=False, helped=SHARED_WORDS)

    assert SHARED_WORDS not in client_for(partner_b).get(reverse("today")).text


def test_another_couple_never_sees_anything(couple: Couple, partner_a: User, outsider: User):
    shared = record(partner_a, shared=True, helped=SHARED_WORDS)
    charlie = client_for(outsider)

    for url in [reverse("today"), reverse("checkins:index"), reverse("checkins:history")]:
        assert SHARED_WORDS not in charlie.get(url).text
    assert (
        charlie.post(
            reverse("checkins:acknowledge", args=[shared.pk]), {"kind": "heart"}
        ).status_code
        == 404
    )
    assert (
        SHARED_WORDS not in charlie.get(reverse("checkins:export", args=["json"])).content.decode()
    )


def test_a_partner_cannot_acknowledge_their_own_or_a_private_check_in(
    couple: Couple, partner_a: User, partner_b: User
):
    own = record(partner_b, shared=True)
    private = record(partner_a)
    client_b = client_for(partner_b)

    assert (
        client_b.post(reverse("checkins:acknowledge", args=[own.pk]), {"kind": "heart"}).status_code
        == 404
    )
    assert (
        client_b.post(
            reverse("checkins:acknowledge", args=[private.pk]), {"kind": "heart"}
        ).status_code
        == 404
    )


def test_after_leaving_shared_check_ins_are_no_longer_shown(
    couple: Couple, partner_a: User, partner_b: User
):
    record(partner_a, shared=True, helped=SHARED_WORDS)
    couple_services.couple_leave(user=partner_b)

    assert couple_for_user(user=partner_b) is None
    assert SHARED_WORDS not in client_for(partner_b).get(reverse("checkins:history")).text
    # Each keeps their own entries.
    assert CheckIn.objects.filter(user=partner_a).count() == 1


# --- about a minute, one direction, shared question by question --------------------------------


def test_the_first_screen_asks_three_questions_and_the_rest_wait_behind_more(client_a: Client):
    page = client_a.get(reverse("checkins:index")).text

    first, more = page.split('<details class="more-questions"')
    legends = re.findall(r"<legend>([^<]+)</legend>", first)
    assert legends == ["Felt safety", "Closeness", "Mood"]
    assert more.startswith(">")  # closed until opened
    assert re.findall(r"<legend>([^<]+)</legend>", more) == [
        "Trust",
        "Openness to touch",
        "Calm",
        "Sleep",
    ]
    assert 'name="helped"' in more


def test_more_opens_by_itself_when_something_in_it_was_answered(client_a: Client, partner_a: User):
    record(partner_a, trust=4)

    page = client_a.get(reverse("checkins:index") + "?edit=1").text

    assert '<details class="more-questions" open>' in page


def test_every_scale_runs_from_the_harder_end_to_the_easier_one(client_a: Client):
    page = client_a.get(reverse("checkins:index")).text

    for scale in SCALES:
        assert scale.field != "stress" or (scale.low, scale.high) == ("overwhelmed", "calm")
        fieldset = page.split(f'name="{scale.field}"')[0].rsplit("<fieldset", 1)[1]
        assert f"<legend>{scale.label}</legend>" in fieldset
    calm = page.split("<legend>Calm</legend>")[1].split("</fieldset>")[0]
    assert calm.index("<span>overwhelmed</span>") < calm.index("<span>calm</span>")


def test_the_migration_turns_stored_stress_answers_round_and_keeps_whole_shares(
    couple: Couple, partner_a: User, partner_b: User
):
    old = [
        CheckIn.objects.create(
            user=partner_a, local_date=date(2026, 1, day), stress=stress, couple=couple
        )
        for day, stress in ((1, 1), (2, 2), (3, 3), (4, 5), (5, None))
    ]
    whole = CheckIn.objects.create(
        user=partner_b, local_date=date(2026, 1, 1), visibility="shared", couple=couple, trust=2
    )

    import_module("checkins.migrations.0006_shared_per_question_and_calm").forwards(live_apps, None)

    assert [CheckIn.objects.get(pk=c.pk).stress for c in old] == [5, 4, 3, 1, None]
    assert set(CheckIn.objects.get(pk=whole.pk).shared_fields) == set(SHAREABLE_FIELDS)
    assert CheckIn.objects.get(pk=old[0].pk).shared_fields == []


def test_sharing_is_chosen_question_by_question_in_the_form(client_a: Client, partner_a: User):
    client_a.post(
        reverse("checkins:index"),
        form_data(trust="2", share_mood="on", need="a slow morning", share_need="on"),
    )

    checkin = CheckIn.objects.get(user=partner_a)
    assert checkin.shared_fields == ["mood", "need"]
    assert checkin.visibility == Visibility.SHARED


def test_a_ticked_question_left_unanswered_shares_nothing(
    couple: Couple, partner_a: User, partner_b: User
):
    checkin = record(partner_a, shared=("trust", "need"), safety=None)

    assert (checkin.shared_fields, checkin.visibility) == ([], Visibility.PRIVATE)
    assert "Nothing shared yet today" in client_for(partner_b).get(reverse("today")).text


TRUST_MARK = "Trust</dt><dd>"
TOUCH_MARK = "Openness to touch</dt><dd>"


def test_a_partner_sees_only_the_answers_shared_never_trust_or_touch_unless_chosen(
    couple: Couple, partner_a: User, partner_b: User
):
    shared = record(
        partner_a, shared=("mood",), trust=1, touch=2, mood=4, need=PRIVATE_WORDS, helped="x"
    )
    surfaces = partner_surfaces(client_for(partner_b), shared)

    for name, text in surfaces.items():
        assert PRIVATE_WORDS not in text, name
        assert TRUST_MARK not in text, name
        assert TOUCH_MARK not in text, name
    assert "Mood</dt><dd>4/5" in surfaces["today"]
    assert "Mood</dt><dd>4/5" in surfaces["checkins"]
    assert '"trust": 1' not in surfaces["export-json"]
    result = selectors.history(
        user=partner_b, couple=couple_for_user(user=partner_b), month=None, days=7
    )
    by_field = {
        t.field: [p.partner for p in t.points if p.partner is not None] for t in result.trends
    }
    assert by_field["mood"] == [4]
    assert by_field["trust"] == by_field["touch"] == by_field["safety"] == []


def test_sharing_trust_is_the_authors_choice_and_then_it_shows(
    couple: Couple, partner_a: User, partner_b: User
):
    record(partner_a, shared=("trust",), trust=3)

    assert f"{TRUST_MARK}3/5" in client_for(partner_b).get(reverse("today")).text


def test_my_own_card_marks_which_answers_are_shared(client_a: Client, partner_a: User):
    record(partner_a, shared=("mood",), mood=4, trust=2)

    page = client_a.get(reverse("checkins:index")).text

    assert 'Mood</dt><dd>4/5 <span class="badge">shared</span>' in page
    assert "Trust</dt><dd>2/5</dd>" in page


# --- exports ---------------------------------------------------------------------------------------


def test_export_has_only_my_own_check_ins_as_csv_and_json(
    couple: Couple, partner_a: User, partner_b: User
):
    record(partner_a, helped="=HYPERLINK(evil)")
    record(partner_b, shared=True, helped=SHARED_WORDS)
    client = client_for(partner_a)

    as_csv = client.get(reverse("checkins:export", args=["csv"]))
    as_json = client.get(reverse("checkins:export", args=["json"]))

    assert as_csv["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert len(rows) == 2
    assert (
        rows[1][rows[0].index("what_helped_or_was_hard")] == "'=HYPERLINK(evil)"
    )  # never a formula
    payload = json.loads(as_json.content)
    assert [c["what_helped_or_was_hard"] for c in payload["checkins"]] == ["=HYPERLINK(evil)"]
    assert SHARED_WORDS not in as_csv.content.decode() + as_json.content.decode()


def test_an_unknown_export_format_is_a_404(client_a: Client):
    assert client_a.get(reverse("checkins:export", args=["xml"])).status_code == 404


# --- trends and history ------------------------------------------------------------------------------


def test_trends_show_the_known_series_for_both_partners(
    couple: Couple, partner_a: User, partner_b: User
):
    start = datetime(2026, 4, 1, 12, tzinfo=UTC)
    for day, (mine, theirs) in enumerate(
        [(1, 5), (2, None), (3, 4), (None, 4), (5, 3), (4, 2), (5, 1)]
    ):
        moment = start + timedelta(days=day)
        if mine is not None:
            record(partner_a, now=moment, mood=mine)
        if theirs is not None:
            record(partner_b, now=moment, mood=theirs, shared=day != 6)  # the last one is private

    result = selectors.history(
        user=partner_a,
        couple=couple_for_user(user=partner_a),
        month=None,
        days=7,
        now=start + timedelta(days=6),
    )

    mood = next(t for t in result.trends if t.field == "mood")
    assert [p.mine for p in mood.points] == [1, 2, 3, None, 5, 4, 5]
    assert [p.partner for p in mood.points] == [5, None, 4, 4, 3, 2, None]
    assert mood.mine_average == 3.3
    assert mood.partner_average == 3.6
    assert (mood.mine_count, mood.partner_count) == (6, 5)


def test_history_page_draws_accessible_charts_and_a_calendar(client_a: Client, partner_a: User):
    record(partner_a, mood=4)

    page = client_a.get(reverse("checkins:history") + "?range=7")

    assert page.status_code == 200
    assert page.text.count('role="img"') == 7
    assert "<desc" in page.text
    assert "Show as a table" in page.text
    assert "checked in, private" in page.text


@pytest.mark.parametrize(
    "query", ["?range=abc", "?range=-1", "?month=2026-13", "?month=x", "?month=0-0&range=365"]
)
def test_history_page_survives_bad_parameters(client_a: Client, query: str):
    assert client_a.get(reverse("checkins:history") + query).status_code == 200


def test_history_page_queries_stay_constant_with_a_year_of_data(
    couple: Couple, partner_a: User, partner_b: User, django_assert_max_num_queries
):
    client = client_for(partner_a)
    url = reverse("checkins:history") + "?range=90"
    record(partner_a, mood=3)
    client.get(url)  # the first request after signing in also touches the session
    with django_assert_max_num_queries(10) as small:
        client.get(url)
    small_count = len(small.captured_queries)  # read now: the next request resets the log

    today = partner_a.local_today()
    for person in (partner_a, partner_b):
        CheckIn.objects.bulk_create(
            CheckIn(
                user=person,
                couple=couple,
                local_date=today - timedelta(days=back),
                mood=back % 5 + 1,
                visibility=Visibility.SHARED,
                shared_fields=["mood"],
            )
            for back in range(1, 366)
        )
    with django_assert_max_num_queries(10) as large:
        client.get(url)
    large_count = len(large.captured_queries)

    assert small_count > 0
    assert large_count == small_count


def test_today_page_queries_stay_constant_with_a_year_of_data(
    couple: Couple, partner_a: User, partner_b: User, django_assert_max_num_queries
):
    client = client_for(partner_a)
    today = partner_a.local_today()

    def history(start: int, end: int) -> None:
        """Both partners' shared check-ins from ``start`` to ``end`` days back, with a heart on
        each of Blake's."""
        for person in (partner_a, partner_b):
            CheckIn.objects.bulk_create(
                CheckIn(
                    user=person,
                    couple=couple,
                    local_date=today - timedelta(days=back),
                    mood=back % 5 + 1,
                    visibility=Visibility.SHARED,
                    shared_fields=["mood"],
                )
                for back in range(start, end)
            )
        Acknowledgement.objects.bulk_create(
            Acknowledgement(checkin=checkin, by=partner_a, kind="heart")
            for checkin in CheckIn.objects.filter(user=partner_b, acknowledgement__isnull=True)
        )

    history(1, 31)
    record(partner_b, shared=True)
    Acknowledgement.objects.create(
        checkin=record(partner_a, shared=True), by=partner_b, kind="heart"
    )
    client.get(reverse("today"))  # the first request after signing in also touches the session
    with django_assert_max_num_queries(10) as month:
        client.get(reverse("today"))
    month_count = len(month.captured_queries)  # read now: the next request resets the log

    history(31, 366)
    with django_assert_max_num_queries(10) as year:
        client.get(reverse("today"))
    year_count = len(year.captured_queries)

    assert month_count > 0
    assert year_count == month_count


# --- weekly summary ------------------------------------------------------------------------------------


def summaries_send(now: datetime) -> int:
    """What beat and a worker do at ``now``: the tick, then the sends it made (read back: the
    tick enqueues on commit, which a test's transaction never reaches)."""
    reminders.tick(now=now, enqueue=lambda ids: None)
    pending = ReminderSend.objects.filter(status=SendStatus.PENDING)
    return reminders.send(send_ids=pending.values_list("pk", flat=True), now=now).sent


def test_weekly_summary_counts_only_and_is_sent_once(
    couple: Couple, partner_a: User, partner_b: User
):
    monday_before = datetime(2026, 11, 9, 12, tzinfo=UTC)
    services.preferences_set(user=partner_a, weekly_summary=True, now=monday_before)
    for day in range(3):
        record(partner_a, helped=PRIVATE_WORDS, now=monday_before + timedelta(days=day))
    record(partner_b, shared=True, helped=SHARED_WORDS, now=monday_before)
    record(partner_b, shared=False, now=monday_before + timedelta(days=1))  # private: not counted
    nine_thirty_london = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)

    first = summaries_send(nine_thirty_london)
    again = summaries_send(nine_thirty_london + timedelta(minutes=15))

    assert (first, again) == (1, 0)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "you checked in 3 times" in body
    assert "Blake shared one check-in with you" in body
    assert PRIVATE_WORDS not in body
    assert SHARED_WORDS not in body
    assert mail.outbox[0].subject == "Your week in check-ins"
    summary = Reminder.objects.get(user=partner_a, kind=ReminderKind.SUMMARY)
    assert summary.sends.get().status == SendStatus.SENT
    # Moved on to the next Monday, 09:00 London.
    assert summary.next_due_at == datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_weekly_summary_waits_for_monday_morning_in_the_persons_zone(partner_a: User):
    partner_a.time_zone = "America/Los_Angeles"
    partner_a.save()
    services.preferences_set(
        user=partner_a, weekly_summary=True, now=datetime(2026, 11, 12, tzinfo=UTC)
    )

    # 09:30 UTC on Monday is still 01:30 in Los Angeles.
    assert summaries_send(datetime(2026, 11, 16, 9, 30, tzinfo=UTC)) == 0
    assert summaries_send(datetime(2026, 11, 16, 17, 30, tzinfo=UTC)) == 1


def test_no_weekly_summary_without_opting_in(partner_a: User):
    services.preferences_set(
        user=partner_a, weekly_summary=True, now=datetime(2026, 11, 12, tzinfo=UTC)
    )
    services.preferences_set(
        user=partner_a, weekly_summary=False, now=datetime(2026, 11, 13, tzinfo=UTC)
    )

    assert summaries_send(datetime(2026, 11, 16, 9, 30, tzinfo=UTC)) == 0
    assert mail.outbox == []
    assert Reminder.objects.get(user=partner_a, kind=ReminderKind.SUMMARY).next_due_at is None


def test_a_summary_opted_out_of_after_the_tick_is_skipped_not_sent(partner_a: User):
    services.preferences_set(
        user=partner_a, weekly_summary=True, now=datetime(2026, 11, 12, tzinfo=UTC)
    )
    nine_thirty = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    reminders.tick(now=nine_thirty, enqueue=lambda ids: None)
    CheckinPreferences.objects.filter(user=partner_a).update(weekly_summary=False)

    result = reminders.send(
        send_ids=ReminderSend.objects.values_list("pk", flat=True), now=nine_thirty
    )

    assert (result.sent, result.skipped) == (0, 1)
    assert mail.outbox == []


def test_weekly_summary_opt_in_from_the_check_ins_page(client_a: Client, partner_a: User):
    client_a.post(reverse("checkins:preferences"), {"weekly_summary": "on"})
    assert CheckinPreferences.objects.get(user=partner_a).weekly_summary is True

    client_a.post(reverse("checkins:preferences"), {})
    assert CheckinPreferences.objects.get(user=partner_a).weekly_summary is False


# --- the history page at once, and the submit's query budget ----------------------------------------


def _history_mood_cells(page: str) -> list[str]:
    """The mood chart's table: one row per day, '<th>day</th><td>you</td><td>partner</td>'."""
    section = page.split('id="chart-mood-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<tr><th scope=\"row\">.*?</tr>", section)


def test_history_page_is_never_stale_when_the_partner_makes_a_check_in_private(
    client_a: Client, partner_a: User, partner_b: User
):
    record(partner_a, mood=1)
    record(partner_b, shared=True, mood=5)
    url = reverse("checkins:history") + "?range=7"
    first = client_a.get(url).text
    assert _history_mood_cells(first)[0].endswith("<td>1</td><td>5</td></tr>")

    record(partner_b, shared=False, mood=5)  # the same day, now just for them
    second = client_a.get(url).text

    assert _history_mood_cells(second)[0].endswith("<td>1</td><td>–</td></tr>")


def test_history_page_shows_an_edited_number_at_once(client_a: Client, partner_a: User):
    record(partner_a, mood=2)
    url = reverse("checkins:history") + "?range=7"
    assert "<td>2</td>" in _history_mood_cells(client_a.get(url).text)[0]

    record(partner_a, mood=4)

    assert "<td>4</td>" in _history_mood_cells(client_a.get(url).text)[0]


def test_two_people_with_identical_numbers_each_get_their_own_history(
    couple: Couple, partner_a: User, partner_b: User
):
    record(partner_a, mood=3)
    record(partner_b, mood=3)
    url = reverse("checkins:history") + "?range=7"
    avery = client_for(partner_a).get(url).text
    blake = client_for(partner_b).get(url).text

    assert "Avery (what they shared)" in blake
    assert "Blake (what they shared)" in avery


def test_check_in_submit_takes_at_most_four_queries(
    client_a: Client, partner_a: User, django_assert_max_num_queries
):
    client_a.post(reverse("checkins:index"), form_data())  # the first request touches the session
    with django_assert_max_num_queries(4):
        response = client_a.post(reverse("checkins:index"), form_data(mood="2"))

    assert response.status_code == 302
    assert CheckIn.objects.get(user=partner_a).mood == 2


def test_a_check_in_cannot_be_recorded_into_someone_elses_couple(
    couple: Couple, partner_a: User, partner_b: User
):
    with pytest.raises(ValueError, match="not this person"):
        services.checkin_record(
            user=partner_a,
            couple=couple_for_user(user=partner_b),
            data=CheckinInput(scales={"mood": 3}, shared=frozenset({"mood"})),
        )
    assert not CheckIn.objects.filter(user=partner_a).exists()
