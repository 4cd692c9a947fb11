"""Seasonal check-backs: due 1, 3, 6 and 12 months after the Sustaining stage opened (the second
"I'm ready" of the stage before), each on the person's own calendar; a calm card on Today and the
program page; the agreements in force and the story; a reflection for the writer's eyes only and a
line each for the next season, shown side by side once both are sent. Avery lives in London,
Blake in Auckland."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from repair.couples.models import Couple, User
from repair.program import longrun_services
from repair.program import services as program_services
from repair.program.content import program
from repair.program.longrun_selectors import add_months, bank_lane, check_backs
from repair.program.models import CheckBack
from repair.program.services import ProgramActionError
from tests.factories import couple_view, open_stages_before
from tests.nu import nu_errors

# Sustaining opens late on 31 January in London: already 1 February in Auckland.
OPENED = datetime(2026, 1, 31, 22, 30, tzinfo=UTC)
AVERY_DUE = {
    1: date(2026, 2, 28),
    3: date(2026, 4, 30),
    6: date(2026, 7, 31),
    12: date(2027, 1, 31),
}
BLAKE_DUE = {1: date(2026, 3, 1), 3: date(2026, 5, 1), 6: date(2026, 8, 1), 12: date(2027, 2, 1)}
PRIVATE = "Avery's private look back, for Avery alone"
AVERY_LINE = "More slow Sunday mornings together"
BLAKE_LINE = "A trip to the coast in the spring"


@pytest.fixture
def opened(couple: Couple, partner_a: User, partner_b: User) -> Couple:
    partner_b.time_zone = "Pacific/Auckland"
    partner_b.save()
    with time_machine.travel(OPENED, tick=False):
        open_stages_before("sustaining", partner_a, partner_b)
    return couple


def card_shown(client: Client, url: str, months: int) -> bool:
    return reverse("program_check_back", args=[months]) in client.get(url).text


def test_months_are_added_on_the_calendar_and_short_months_take_their_last_day():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 6, 30), 12) == date(2027, 6, 30)


def test_each_partner_sees_the_four_due_days_on_their_own_calendar(
    opened: Couple, partner_a: User, partner_b: User
):
    now = datetime(2026, 2, 1, tzinfo=UTC)
    avery = {c.months: c.due_on for c in check_backs(couple=couple_view(partner_a), now=now)}
    blake = {c.months: c.due_on for c in check_backs(couple=couple_view(partner_b), now=now)}
    assert avery == AVERY_DUE
    assert blake == BLAKE_DUE


@pytest.mark.parametrize("months", [1, 3, 6, 12])
def test_a_check_back_comes_due_at_midnight_where_each_person_is(
    opened: Couple, partner_a: User, partner_b: User, client_a: Client, client_b: Client, months
):
    # London midnight (GMT in winter, BST from late March to late October).
    london_midnight = {
        1: datetime(2026, 2, 28, 0, tzinfo=UTC),
        3: datetime(2026, 4, 29, 23, tzinfo=UTC),
        6: datetime(2026, 7, 30, 23, tzinfo=UTC),
        12: datetime(2027, 1, 31, 0, tzinfo=UTC),
    }[months]
    # Auckland midnight (NZDT +13 until early April and from late September, NZST +12 between).
    auckland_midnight = {
        1: datetime(2026, 2, 28, 11, tzinfo=UTC),
        3: datetime(2026, 4, 30, 12, tzinfo=UTC),
        6: datetime(2026, 7, 31, 12, tzinfo=UTC),
        12: datetime(2027, 1, 31, 11, tzinfo=UTC),
    }[months]
    minute = timedelta(minutes=1)
    for who, client, midnight in (
        (partner_a, client_a, london_midnight),
        (partner_b, client_b, auckland_midnight),
    ):
        with time_machine.travel(midnight - minute, tick=False):
            seasons = {
                c.months: c for c in check_backs(couple=couple_view(who), now=midnight - minute)
            }
            assert not seasons[months].due, (who.name, months)
            assert not card_shown(client, reverse("today"), months)
        with time_machine.travel(midnight, tick=False):
            assert card_shown(client, reverse("today"), months), (who.name, months)
            assert card_shown(client, reverse("program"), months)
            page = client.get(reverse("program_check_back", args=[months])).text
            assert 'name="hope"' in page


def test_the_card_is_calm_and_goes_once_my_line_is_sent(
    opened: Couple, partner_a: User, client_a: Client
):
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        today = client_a.get(reverse("today")).text
        assert "A check-back for the season" in today
        assert "%" not in today.split("A check-back for the season")[1].split("</section>")[0]
        client_a.post(
            reverse("program_check_back", args=[1]),
            {"action": "send", "reflection": PRIVATE, "hope": AVERY_LINE},
        )
        assert "A check-back for the season" not in client_a.get(reverse("today")).text


def test_before_it_is_due_the_page_says_when_and_asks_nothing(opened: Couple, client_a: Client):
    with time_machine.travel(datetime(2026, 2, 10, 12, tzinfo=UTC), tick=False):
        page = client_a.get(reverse("program_check_back", args=[3])).text
        assert "30 April 2026" in page
        assert 'name="hope"' not in page
        refused = client_a.post(
            reverse("program_check_back", args=[3]),
            {"action": "send", "reflection": PRIVATE, "hope": AVERY_LINE},
        )
        assert "due yet" in refused.text
        assert AVERY_LINE in refused.text  # nothing typed is lost
        assert not CheckBack.objects.exists()


def test_before_sustaining_opens_there_is_nothing_due(couple: Couple, client_a: Client):
    page = client_a.get(reverse("program_check_back", args=[1]))
    assert page.status_code == 200
    assert "Once the Sustaining stage is open" in page.text
    assert "A check-back for the season" not in client_a.get(reverse("today")).text


@pytest.mark.parametrize("months", [0, 2, 24, 99999])
def test_a_season_that_is_not_one_of_ours_is_not_found(opened: Couple, client_a: Client, months):
    assert client_a.get(f"/program/check-back/{months}/").status_code == 404


def test_the_check_back_walks_through_the_agreements_in_force_and_the_story(
    opened: Couple, partner_a: User, partner_b: User, client_a: Client
):
    pause_plan = program().exercise("safety-pause-plan")
    assert pause_plan is not None
    version = program_services.agreement_propose(
        couple=couple_view(partner_a), exercise=pause_plan, text="We pause for twenty minutes."
    )
    program_services.agreement_accept(
        couple=couple_view(partner_b), exercise=pause_plan, version_id=version.pk
    )
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        page = client_a.get(reverse("program_check_back", args=[1])).text
    agreement_url = reverse("program_exercise", args=["safety", "safety-pause-plan"])
    assert f'href="{agreement_url}"' in page
    assert f'href="{agreement_url}#agreement-text"' in page  # "change it": the revision flow
    assert reverse("program_exercise", args=["meaning", "meaning-our-new-story"]) in page
    # An agreement proposed but not accepted is not "in force".
    assert "Honesty" not in page.split("agreements-heading")[1].split("</section>")[0]


def test_my_reflection_is_mine_and_the_lines_appear_together(
    opened: Couple, partner_a: User, partner_b: User, client_a: Client, client_b: Client
):
    url = reverse("program_check_back", args=[1])
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        client_a.post(url, {"action": "send", "reflection": PRIVATE, "hope": AVERY_LINE})
        for page in (client_b.get(url).text, client_b.get(url, HTTP_HX_REQUEST="true").text):
            assert AVERY_LINE not in page
            assert "Sunday mornings" not in page
            assert "private look back" not in page
        waiting = client_a.get(url, HTTP_HX_REQUEST="true").text
        assert "data-hx-trigger" in waiting

        client_b.post(url, {"action": "send", "reflection": "", "hope": BLAKE_LINE})

        for client in (client_a, client_b):
            page = client.get(url).text
            assert AVERY_LINE in page
            assert BLAKE_LINE in page
        assert "private look back" not in client_b.get(url).text
        assert "data-hx-trigger" not in client_a.get(url, HTTP_HX_REQUEST="true").text


def test_after_the_lines_are_shown_mine_stays_and_my_reflection_can_still_change(
    opened: Couple, partner_a: User, partner_b: User, client_b: Client
):
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    a, b = couple_view(partner_a), couple_view(partner_b)
    with time_machine.travel(now, tick=False):
        longrun_services.check_back_save(
            couple=a, months=1, reflection=PRIVATE, hope=AVERY_LINE, send=True
        )
        longrun_services.check_back_save(
            couple=b, months=1, reflection="", hope=BLAKE_LINE, send=True
        )
        longrun_services.check_back_save(
            couple=a, months=1, reflection="Changed later", hope="A new line", send=True
        )
        mine = CheckBack.objects.get(user=partner_a)
        assert mine.hope == AVERY_LINE
        assert mine.reflection == "Changed later"
        page = client_b.get(reverse("program_check_back", args=[1])).text
        assert AVERY_LINE in page
        assert "A new line" not in page
        assert "Changed later" not in page


def test_a_line_for_the_next_season_is_one_short_line(opened: Couple, partner_a: User):
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        for hope, code in (("", "hope_empty"), ("x" * 201, "hope_long")):
            with pytest.raises(ProgramActionError) as refused:
                longrun_services.check_back_save(
                    couple=couple_view(partner_a), months=1, reflection="", hope=hope, send=True
                )
            assert refused.value.code == code


def test_the_check_back_page_costs_the_same_however_many_agreement_versions(
    opened: Couple,
    partner_a: User,
    partner_b: User,
    client_a: Client,
    django_assert_max_num_queries,
):
    pause_plan = program().exercise("safety-pause-plan")
    assert pause_plan is not None
    url = reverse("program_check_back", args=[1])

    def version(n: int) -> None:
        made = program_services.agreement_propose(
            couple=couple_view(partner_a), exercise=pause_plan, text=f"Version {n}"
        )
        program_services.agreement_accept(
            couple=couple_view(partner_b), exercise=pause_plan, version_id=made.pk
        )

    version(0)
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        client_a.get(url)
        with django_assert_max_num_queries(25) as small:
            client_a.get(url)
        small_count = len(small.captured_queries)
    for n in range(1, 15):
        version(n)
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        with django_assert_max_num_queries(25) as large:
            client_a.get(url)
        assert len(large.captured_queries) == small_count


# --- markup ---------------------------------------------------------------------------------------


def test_the_long_run_pages_pass_the_nu_html_checker(
    opened: Couple, partner_a: User, partner_b: User, client_a: Client, tmp_path: Path
):
    """tests/test_markup.py checks these pages before Sustaining opens; here they are open, with
    a prompt revealed, one waiting, agreements in force and a check-back sent."""
    pause_plan = program().exercise("safety-pause-plan")
    assert pause_plan is not None
    version = program_services.agreement_propose(
        couple=couple_view(partner_a), exercise=pause_plan, text="We pause for twenty minutes."
    )
    program_services.agreement_accept(
        couple=couple_view(partner_b), exercise=pause_plan, version_id=version.pk
    )
    a, b = couple_view(partner_a), couple_view(partner_b)
    for who, words in ((a, "Avery <b>bold</b> & more"), (b, "Blake\n\nin two paragraphs")):
        prompt = bank_lane(couple=who, theme="play", weight="hard").current.prompt.id
        longrun_services.bank_answer(couple=who, prompt_id=prompt, text=words)
    prompt = bank_lane(couple=a, theme="play", weight="hard").current.prompt.id
    longrun_services.bank_answer(couple=a, prompt_id=prompt, text="Waiting for Blake")
    pages = {}
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        longrun_services.check_back_save(
            couple=a, months=1, reflection=PRIVATE, hope=AVERY_LINE, send=True
        )
        for name, url in {
            "bank": reverse("program_bank") + "?theme=play&weight=hard",
            "bank-fresh": reverse("program_bank") + "?theme=dreams&weight=light",
            "past": reverse("program_bank_past"),
            "check-back": reverse("program_check_back", args=[1]),
            "check-back-later": reverse("program_check_back", args=[6]),
            "program": reverse("program"),
            "sustaining": reverse("program_stage", args=["sustaining"]),
            "today": reverse("today"),
        }.items():
            response = client_a.get(url)
            assert response.status_code == 200, url
            pages[name] = response.text
    errors = nu_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


def test_still_right_marks_are_mine_and_only_for_agreements_in_force(
    opened: Couple, partner_a: User, partner_b: User, client_a: Client, client_b: Client
):
    pause_plan = program().exercise("safety-pause-plan")
    assert pause_plan is not None
    version = program_services.agreement_propose(
        couple=couple_view(partner_a), exercise=pause_plan, text="We pause for twenty minutes."
    )
    program_services.agreement_accept(
        couple=couple_view(partner_b), exercise=pause_plan, version_id=version.pk
    )
    url = reverse("program_check_back", args=[1])
    with time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC), tick=False):
        client_a.post(
            url,
            {
                "action": "save",
                "reflection": PRIVATE,
                "hope": "",
                "still_right": ["safety-pause-plan", "safety-honesty-agreement", "x" * 500],
            },
        )
        assert CheckBack.objects.get(user=partner_a).still_right == ["safety-pause-plan"]
        checked = 'value="safety-pause-plan" form="check-back-form" checked'
        assert checked in client_a.get(url).text
        assert checked not in client_b.get(url).text
