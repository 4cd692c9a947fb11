"""Reconnection, at the couple's pace: an optional sequence after the closeness ladder. Each step
opens only on both partners' private yes, in order; either can close it again, for both, and the
steps after it wait; nothing of it reaches Today, an email, a reminder or the calendar unless both
chose Today (and emails, reminders and the calendar never name it at all)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from checkins import services as checkin_services
from repair.couples import services as couple_services
from repair.couples.models import Couple, User
from repair.program import selectors as ps
from repair.program import services
from repair.program.content import program
from repair.program.models import ReconnectionOpen, ReconnectionShown, ReconnectionYes
from repair.program.reconnection import FILE, ReconnectionError, load_sequence, sequence
from repair.program.services import ProgramActionError
from rituals import reminders
from rituals.models import Reminder, ReminderSend, ReminderSettings, ScheduledRitual, SendStatus
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import open_stages_before
from tests.nu import nu_errors

pytestmark = pytest.mark.django_db

STEPS = sequence().steps
KISSING, TURNS, IMAGE = STEPS[0], STEPS[1], STEPS[2]
OVERVIEW_URL = reverse("program_reconnection")
LADDER = sorted(
    (e for e in program().exercises if e.ladder == "closeness"), key=lambda e: e.ladder_step
)
# Words that would give the sequence away: every step's title, and the sequence's own name.
MARKERS = ("reconnection", *(s.title.lower() for s in STEPS))


def step_url(slug: str) -> str:
    return reverse("program_reconnection_step", args=[slug])


def climb_the_ladder(*people: User) -> None:
    """Consent open, and every closeness step but the last marked comfortable by both: the last
    step is open, so the sequence can begin."""
    open_stages_before("consent", *people)
    for exercise in LADDER[:-1]:
        for person in people:
            services.practice_log(couple=view(person), exercise=exercise, comfortable=True)


@pytest.fixture
def ladder_climbed(couple: Couple, partner_a: User, partner_b: User) -> None:
    climb_the_ladder(partner_a, partner_b)


def state_of(person: User, slug: str) -> ps.ReconnectionStepState:
    found = ps.reconnection_state(couple=view(person)).step(slug)
    assert found is not None
    return found


def both_say_yes(partner_a: User, partner_b: User, *slugs: str) -> None:
    for slug in slugs:
        for person in (partner_a, partner_b):
            client_for(person).post(step_url(slug), {"action": "yes"})


def main_of(page: str) -> str:
    """The page's content, without what differs per request (CSRF tokens, nonces)."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)
    return re.sub(r'nonce="[^"]*"', "", main)


# --- the gate, and opening on both partners' yes -----------------------------------------------


def test_the_sequence_waits_until_the_last_closeness_step_is_open(
    couple: Couple, partner_a: User, partner_b: User
):
    open_stages_before("consent", partner_a, partner_b)
    assert not ps.reconnection_state(couple=view(partner_a)).available
    with pytest.raises(ProgramActionError) as refused:
        services.reconnection_answer(couple=view(partner_a), step=KISSING, yes=True)
    assert refused.value.code == "reconnection_waits"
    page = client_for(partner_a).get(step_url(KISSING.slug)).text
    assert "begin once the last step of the closeness ladder is open" in page

    climb_the_ladder(partner_a, partner_b)
    assert ps.reconnection_state(couple=view(partner_a)).available
    assert state_of(partner_a, KISSING.slug).askable


def test_a_step_opens_only_when_both_partners_say_yes(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    client_for(partner_a).post(step_url(KISSING.slug), {"action": "yes"})
    assert not state_of(partner_a, KISSING.slug).open
    assert not state_of(partner_b, KISSING.slug).open
    assert state_of(partner_a, KISSING.slug).i_said_yes
    assert not state_of(partner_b, KISSING.slug).i_said_yes

    client_for(partner_b).post(step_url(KISSING.slug), {"action": "yes"})
    assert state_of(partner_a, KISSING.slug).open
    assert state_of(partner_b, KISSING.slug).open
    # The yeses have done their work; closing later needs two fresh ones to open again.
    assert not ReconnectionYes.objects.exists()
    page = client_for(partner_a).get(step_url(KISSING.slug)).text
    assert "Close this step for now" in page
    assert KISSING.steps[2] in page


def test_a_yes_taken_back_does_not_count(ladder_climbed: None, partner_a: User, partner_b: User):
    client_for(partner_a).post(step_url(KISSING.slug), {"action": "yes"})
    client_for(partner_a).post(step_url(KISSING.slug), {"action": "not_yet"})
    client_for(partner_b).post(step_url(KISSING.slug), {"action": "yes"})
    assert not state_of(partner_b, KISSING.slug).open
    assert not state_of(partner_a, KISSING.slug).i_said_yes


def test_steps_open_in_order(ladder_climbed: None, partner_a: User, partner_b: User):
    with pytest.raises(ProgramActionError) as refused:
        services.reconnection_answer(couple=view(partner_a), step=TURNS, yes=True)
    assert refused.value.code == "reconnection_waits"
    both_say_yes(partner_a, partner_b, KISSING.slug, TURNS.slug)
    assert state_of(partner_a, TURNS.slug).open
    assert state_of(partner_a, IMAGE.slug).askable


def test_partner_b_sees_the_same_pages_whether_or_not_partner_a_said_yes(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    """A curious partner learns nothing from their own pages about the other's answer: only the
    step opening (both said yes) changes them."""
    client_b = client_for(partner_b)
    before = [main_of(client_b.get(url).text) for url in (OVERVIEW_URL, step_url(KISSING.slug))]
    client_for(partner_a).post(step_url(KISSING.slug), {"action": "yes"})
    after = [main_of(client_b.get(url).text) for url in (OVERVIEW_URL, step_url(KISSING.slug))]
    assert after == before
    assert partner_a.display_name not in after[1]
    # A "not yet" is kept as nothing at all: there is no row that could ever be shown.
    client_for(partner_a).post(step_url(KISSING.slug), {"action": "not_yet"})
    assert not ReconnectionYes.objects.exists()
    assert [main_of(client_b.get(url).text) for url in (OVERVIEW_URL,)] == before[:1]


def test_another_couples_yes_never_counts(
    ladder_climbed: None, partner_a: User, partner_b: User, outsider: User
):
    client_for(partner_a).post(step_url(KISSING.slug), {"action": "yes"})
    client_for(outsider).post(step_url(KISSING.slug), {"action": "yes"})
    assert not state_of(partner_a, KISSING.slug).open
    assert ReconnectionYes.objects.filter(user=outsider).count() == 0  # not open for them at all


# --- closing again --------------------------------------------------------------------------------


def test_either_can_close_a_step_for_both_and_the_steps_after_it_wait(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    both_say_yes(partner_a, partner_b, KISSING.slug, TURNS.slug)
    client_for(partner_a).post(step_url(IMAGE.slug), {"action": "yes"})  # a yes said before

    client_for(partner_b).post(step_url(KISSING.slug), {"action": "close"})

    for person in (partner_a, partner_b):
        assert not state_of(person, KISSING.slug).open
        assert state_of(person, KISSING.slug).askable
        assert not state_of(person, TURNS.slug).open
        assert not state_of(person, TURNS.slug).askable
    with pytest.raises(ProgramActionError):
        services.reconnection_answer(couple=view(partner_a), step=TURNS, yes=True)
    # Nothing kept says who closed it, and every yes from before the closing is gone.
    assert not ReconnectionOpen.objects.exists()
    assert not ReconnectionYes.objects.exists()
    page = client_for(partner_a).get(step_url(TURNS.slug)).text
    assert "waits until the one before it is open" in page


def test_partner_a_is_never_told_who_closed_it(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    both_say_yes(partner_a, partner_b, KISSING.slug)
    client_for(partner_b).post(step_url(KISSING.slug), {"action": "close"})
    page_a = main_of(client_for(partner_a).get(step_url(KISSING.slug)).text)
    page_b = main_of(client_for(partner_b).get(step_url(KISSING.slug)).text)
    assert page_a == page_b
    assert partner_b.display_name not in page_a


def test_a_step_opens_again_only_on_two_fresh_yeses(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    both_say_yes(partner_a, partner_b, KISSING.slug)
    client_for(partner_a).post(step_url(KISSING.slug), {"action": "close"})
    client_for(partner_b).post(step_url(KISSING.slug), {"action": "yes"})
    assert not state_of(partner_b, KISSING.slug).open
    client_for(partner_a).post(step_url(KISSING.slug), {"action": "yes"})
    assert state_of(partner_b, KISSING.slug).open


def test_closing_a_closeness_step_closes_the_sequence_too(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    both_say_yes(partner_a, partner_b, KISSING.slug)
    client_for(partner_b).post(
        reverse("program_exercise", args=["consent", LADDER[1].slug]), {"action": "close"}
    )
    assert not ps.reconnection_state(couple=view(partner_a)).available
    assert not ReconnectionOpen.objects.exists()


def test_a_yes_waits_while_either_is_taking_time(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    couple_services.pause_notify(user=partner_b, minutes=couple_services.PAUSE_OPEN_ENDED)
    with pytest.raises(ProgramActionError) as refused:
        services.reconnection_answer(couple=view(partner_a), step=KISSING, yes=True)
    assert refused.value.code == "held"


# --- optional: it never blocks the program ---------------------------------------------------------


def test_the_sequence_is_no_part_of_any_stage_and_never_the_next_step(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    slugs = {s.slug for s in STEPS}
    assert not slugs & {e.slug for e in program().exercises}
    progress = ps.program_state(couple=view(partner_a))
    next_step = progress.next_for_me
    assert next_step is None or next_step.exercise.slug not in slugs
    consent = progress.stage("consent")
    assert consent is not None
    assert all(s.exercise.slug not in slugs for s in consent.required_states)


# --- nowhere unless both chose it ------------------------------------------------------------------


def _send_everything_due() -> None:
    """Tick at every reminder's due time and send what it made, as beat and a worker would."""
    dues = Reminder.objects.exclude(next_due_at=None).values_list("next_due_at", flat=True)
    for due in sorted({d for d in dues if d is not None}):
        reminders.tick(now=due, enqueue=lambda ids: None)
        pending = ReminderSend.objects.filter(status=SendStatus.PENDING)
        reminders.send(send_ids=pending.values_list("pk", flat=True), now=due)


def _everything_outside_the_sequence(couple: Couple, person: User) -> str:
    """Today, the rituals pages and the calendar, and every email a reminder or digest sent."""
    client = client_for(person)
    pages = [
        client.get(reverse(name)).text for name in ("today", "rituals:index", "rituals:calendar")
    ]
    emails = [f"{m.subject}\n{m.body}\n{getattr(m, 'alternatives', '')}" for m in mail.outbox]
    return "\n".join([*pages, *emails]).lower()


def _reminders_on(couple: Couple, *people: User) -> None:
    start = datetime(2026, 11, 9, 12, tzinfo=UTC)
    ritual = ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-touchpoint",
        cadence="weekly",
        weekday=2,
        local_time=time(19, 0),
        created_by=people[0],
    )
    reminders.sync_ritual(ritual=ritual, now=start)
    for person in people:
        ReminderSettings.objects.update_or_create(
            user=person, defaults={"checkin_enabled": True, "checkin_time": time(20, 30)}
        )
        checkin_services.preferences_set(user=person, weekly_summary=True, now=start)
        reminders.sync_user(user=person, now=start)


def test_by_default_nothing_of_it_is_on_today_the_calendar_or_in_any_email(
    couple: Couple, ladder_climbed: None, partner_a: User, partner_b: User
):
    both_say_yes(partner_a, partner_b, KISSING.slug, TURNS.slug)
    _reminders_on(couple, partner_a, partner_b)
    _send_everything_due()
    assert len(mail.outbox) >= 4  # check-ins, the ritual and the digest, for both
    for person in (partner_a, partner_b):
        seen = _everything_outside_the_sequence(couple, person)
        for marker in MARKERS:
            assert marker not in seen, marker


def test_on_today_only_once_both_chose_it(
    couple: Couple, ladder_climbed: None, partner_a: User, partner_b: User
):
    both_say_yes(partner_a, partner_b, KISSING.slug)
    client_for(partner_a).post(OVERVIEW_URL, {"action": "show"})
    for person in (partner_a, partner_b):
        today = client_for(person).get(reverse("today")).text.lower()
        assert KISSING.title.lower() not in today
        assert "reconnection" not in today

    client_for(partner_b).post(OVERVIEW_URL, {"action": "show"})
    for person in (partner_a, partner_b):
        today = client_for(person).get(reverse("today")).text
        assert KISSING.title in today
        assert TURNS.title not in today  # only what is open
        assert "Reconnection, at your pace" in today

    # Emails, reminders and the calendar never carry it, even then.
    _reminders_on(couple, partner_a, partner_b)
    _send_everything_due()
    emails = "\n".join(
        f"{m.subject}\n{m.body}\n{getattr(m, 'alternatives', '')}" for m in mail.outbox
    )
    calendar = client_for(partner_a).get(reverse("rituals:calendar")).text
    for marker in MARKERS:
        assert marker not in emails.lower()
        assert marker not in calendar.lower()

    client_for(partner_b).post(OVERVIEW_URL, {"action": "hide"})
    assert KISSING.title not in client_for(partner_a).get(reverse("today")).text


def test_choosing_today_tells_the_partner_nothing_until_both_have(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    client_b = client_for(partner_b)
    before = main_of(client_b.get(OVERVIEW_URL).text)
    client_for(partner_a).post(OVERVIEW_URL, {"action": "show"})
    assert main_of(client_b.get(OVERVIEW_URL).text) == before
    assert ReconnectionShown.objects.filter(user=partner_a).exists()


# --- wrong input, and what a page costs ------------------------------------------------------------


def test_an_unknown_action_or_step_changes_nothing_and_says_so_kindly(
    ladder_climbed: None, partner_a: User
):
    client = client_for(partner_a)
    response = client.post(step_url(KISSING.slug), {"action": "open-everything"}, follow=True)
    assert response.status_code == 200
    assert "Please try again" in response.text
    assert not ReconnectionYes.objects.exists()
    assert client.post(OVERVIEW_URL, {"action": "x" * 5000}).status_code == 302
    assert client.get(step_url("reconnection-no-such-step")).status_code == 404


def test_the_pages_cost_the_same_however_many_times_steps_opened_and_closed(
    ladder_climbed: None, partner_a: User, partner_b: User, django_assert_max_num_queries
):
    client = client_for(partner_a)
    urls = (OVERVIEW_URL, step_url(KISSING.slug), reverse("today"))
    client.get(reverse("today"))  # the first request after signing in also touches the session
    counts = []
    for url in urls:
        with django_assert_max_num_queries(12) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    for _ in range(20):
        both_say_yes(partner_a, partner_b, KISSING.slug, TURNS.slug)
        client_for(partner_b).post(step_url(KISSING.slug), {"action": "close"})
    both_say_yes(partner_a, partner_b, *(s.slug for s in STEPS))
    client_for(partner_a).post(OVERVIEW_URL, {"action": "show"})
    client_for(partner_b).post(OVERVIEW_URL, {"action": "show"})
    later = []
    for url in urls:
        with django_assert_max_num_queries(12) as captured:
            client.get(url)
        later.append(len(captured.captured_queries))
    assert later == counts


# --- content -----------------------------------------------------------------------------------------


def test_the_sequence_has_the_five_ideas_in_a_safe_order():
    slugs = [s.slug for s in STEPS]
    for wanted in ("kissing", "touch-taking-turns", "image", "sexual-health", "time-for-us"):
        assert any(wanted in slug for slug in slugs), wanted
    # Health comes before the touch that could become sexual; gentle touch before anything more.
    assert slugs.index("reconnection-sexual-health") < slugs.index("reconnection-touch-together")
    assert slugs.index("reconnection-touch-taking-turns") < slugs.index(
        "reconnection-touch-together"
    )


def test_every_step_cites_the_idea_it_rests_on():
    shipped = sequence()
    assert re.search(r"seed 00[01]|care\.md", shipped.source)
    for step in shipped.steps:
        assert re.search(r"seed 00[01]|care\.md", step.source), step.slug
        assert step.title
        assert step.purpose
        assert step.instructions
        assert step.steps or step.body


def test_the_text_is_calm_british_and_never_explicit():
    text = FILE.read_text(encoding="utf-8").lower()
    american = r"\b(color|judgment|practicing|practiced|practice (?:this|once)|honor|emphasize|behavior|apologize|center)\b"
    assert not re.search(american, text)
    explicit = r"\b(genital\w*|orgasm\w*|penetrat\w*|intercourse|naked|nude|erotic)\b"
    assert not re.search(explicit, text)
    assert not re.search(r"\b(must|should)\b", text.split("[[step]]", 1)[1])


def test_the_image_step_links_to_when_it_hits(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    assert IMAGE.links == ("when_it_hits",)
    both_say_yes(partner_a, partner_b, KISSING.slug, TURNS.slug, IMAGE.slug)
    page = client_for(partner_a).get(step_url(IMAGE.slug)).text
    assert f'href="{reverse("when_it_hits")}"' in page
    for word in ("Pause", "Breathe", "Name it", "Choose"):
        assert word in page


def test_the_health_note_asks_both_to_test_without_blame_and_names_no_operator():
    note = next(s for s in STEPS if s.slug == "reconnection-sexual-health")
    assert not note.steps
    assert note.body
    assert "both" in note.body
    assert "blame" in (note.body + note.purpose)
    assert "clinic" in note.body
    assert not re.search(r"\b(NHS|CDC|Planned Parenthood|GP)\b", note.body)


def test_broken_content_fails_naming_the_step(tmp_path: Path):
    broken = tmp_path / "steps.toml"
    broken.write_text(
        FILE.read_text(encoding="utf-8").replace('links = ["when_it_hits"]', 'links = ["x"]'),
        encoding="utf-8",
    )
    with pytest.raises(ReconnectionError, match="reconnection-when-an-image-comes"):
        load_sequence(broken)


def test_the_stage_page_offers_the_sequence_and_it_is_reachable(
    ladder_climbed: None, partner_a: User
):
    stage = client_for(partner_a).get(reverse("program_stage", args=["consent"])).text
    assert f'href="{OVERVIEW_URL}"' in stage
    overview = client_for(partner_a).get(OVERVIEW_URL).text
    for step in STEPS:
        assert step.title in overview


def test_a_signed_out_visitor_is_sent_to_sign_in(client: Client):
    response = client.get(OVERVIEW_URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_my_download_holds_my_own_yes_and_never_my_partners(
    ladder_climbed: None, partner_a: User, partner_b: User
):
    both_say_yes(partner_a, partner_b, KISSING.slug)
    client_for(partner_b).post(step_url(TURNS.slug), {"action": "yes"})
    client_for(partner_b).post(OVERVIEW_URL, {"action": "show"})

    def download(person: User, fmt: str) -> str:
        response = client_for(person).get(reverse("export_data"), {"format": fmt})
        assert response.status_code == 200
        return response.content.decode()

    mine_b = json.loads(download(partner_b, "json"))["program"]["reconnection"]
    assert [y["step"] for y in mine_b["my_yes"]] == [TURNS.slug]
    assert [o["step"] for o in mine_b["open_now"]] == [KISSING.slug]
    assert mine_b["i_chose_today"] is True
    mine_a = json.loads(download(partner_a, "json"))["program"]["reconnection"]
    assert mine_a["my_yes"] == []
    assert mine_a["i_chose_today"] is False
    readable_a = download(partner_a, "html")
    assert KISSING.title in readable_a
    assert TURNS.title not in readable_a


def test_every_state_of_the_pages_passes_the_nu_html_checker(
    couple: Couple, partner_a: User, partner_b: User, tmp_path: Path
):
    """The access matrix's walk sees these pages before the ladder is climbed; here every state:
    waiting for the ladder, askable, said yes, an open practice, an open note, and Today's card."""
    client = client_for(partner_a)
    pages = {"before-ladder": client.get(step_url(KISSING.slug)).text}
    climb_the_ladder(partner_a, partner_b)
    pages["askable"] = client.get(step_url(KISSING.slug)).text
    client.post(step_url(KISSING.slug), {"action": "yes"})
    pages["said-yes"] = client.get(step_url(KISSING.slug)).text
    both_say_yes(partner_a, partner_b, *(s.slug for s in STEPS[:4]))
    pages["open-practice"] = client.get(step_url(IMAGE.slug)).text
    pages["open-note"] = client.get(step_url(STEPS[3].slug)).text
    pages["waits"] = client.get(step_url(STEPS[5].slug)).text
    for person in (partner_a, partner_b):
        client_for(person).post(OVERVIEW_URL, {"action": "show"})
    pages["overview"] = client.get(OVERVIEW_URL).text
    pages["today"] = client.get(reverse("today")).text
    assert "Open for you both:" in pages["today"]
    errors = nu_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)


def test_program_check_checks_and_counts_the_sequence(capsys: pytest.CaptureFixture[str]):
    call_command("program_check")
    assert f"Reconnection (optional, after the closeness ladder): {len(STEPS)} steps" in (
        capsys.readouterr().out
    )
