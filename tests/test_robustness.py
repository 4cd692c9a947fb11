"""Bounded inputs and creates that happen once.

Every number or date a request carries outside a Django form is bounded (a kind message, or a
clamp for navigation); every create is idempotent under repeated submits of one form, including
twenty truly parallel ones on PostgreSQL (each its own client, thread and database connection)."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins.models import SHAREABLE_FIELDS, Acknowledgement, CheckIn, Visibility
from repair.couples import once
from repair.couples.models import Couple, Invite, PauseNotice, SafetyCheck, Submission, User
from repair.couples.selectors import couple_for_user
from repair.program import services as program_services
from repair.program.content import Exercise, program
from repair.program.models import (
    AgreementVersion,
    Commitment,
    Conversation,
    ConversationTurn,
    MapAnswer,
    PracticeLog,
    ProgramEntry,
    StageReadiness,
)
from rituals.models import GratitudeNote, OccurrenceMark, ScheduledRitual
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import make_couple, make_user
from tests.factories import open_stages_before as open_up_to

PARALLEL = 20
ONCE_INPUT = re.compile(r'name="once" value="([0-9a-f-]{36})"')


def exercise_of(kind: str, stage: str | None = None, **where: object) -> Exercise:
    for exercise in program().exercises:
        if exercise.type != kind or (stage and exercise.stage != stage):
            continue
        if all(getattr(exercise, k) == v for k, v in where.items()):
            return exercise
    raise AssertionError(f"the shipped program has no {kind} exercise with {where}")


def url(exercise: Exercise) -> str:
    return reverse("program_exercise", args=[exercise.stage, exercise.slug])


def key_on(client: Client, path: str) -> str:
    """The one-time key of the (first) create form on a page, as the browser would send it."""
    page = client.get(path).text
    found = ONCE_INPUT.search(page)
    assert found, f"no one-time key on {path}"
    return found.group(1)


def in_parallel(user: User, path: str, data: dict[str, str], times: int = PARALLEL) -> list[int]:
    """``times`` identical POSTs at once, each from its own client in its own thread (so its own
    database connection), released together by a barrier. Returns the status codes."""
    barrier = threading.Barrier(times)
    statuses: list[int] = []
    failures: list[BaseException] = []

    def send() -> None:
        try:
            client = client_for(user)
            barrier.wait(timeout=30)
            statuses.append(client.post(path, data).status_code)
        except BaseException as error:  # reported below, never swallowed
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert len(statuses) == times
    return statuses


# --- bounded inputs ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "minutes", ["10" + "0" * 40, "9" * 19, "99999999", "-5", "0", "1e3", "٣٠", " "]
)
def test_a_huge_or_odd_time_out_in_a_conversation_is_a_kind_message(
    couple, partner_a: User, partner_b: User, minutes: str
):
    talk = exercise_of("conversation")
    open_up_to(talk.stage, partner_a, partner_b)
    conversation = program_services.conversation_start(couple=view(partner_a), exercise=talk)

    response = client_for(partner_a).post(
        url(talk),
        {"action": "timeout", "conversation": str(conversation.pk), "minutes": minutes},
        follow=True,
    )

    assert response.status_code == 200
    conversation.refresh_from_db()
    if minutes.strip():
        assert conversation.resume_at is None
        assert (
            "Please choose a time within the next 24 hours." in response.text
            or "Something else was saved at the same moment" in response.text
        )
    else:  # nothing chosen: the form's own default, an hour
        assert conversation.resume_at is not None


@pytest.mark.django_db
def test_a_time_out_within_a_day_still_works(couple, partner_a: User, partner_b: User):
    talk = exercise_of("conversation")
    open_up_to(talk.stage, partner_a, partner_b)
    conversation = program_services.conversation_start(couple=view(partner_a), exercise=talk)

    client_for(partner_b).post(
        url(talk), {"action": "timeout", "conversation": str(conversation.pk), "minutes": "1440"}
    )

    conversation.refresh_from_db()
    assert conversation.resume_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "month", ["9999-12", "0001-01", "1999-12", "2999-01", "99999-1", "2024-1-1"]
)
def test_history_month_out_of_reach_shows_the_current_month(client_a: Client, month: str):
    response = client_a.get(reverse("checkins:history") + f"?month={month}")

    assert response.status_code == 200
    this_month = response.wsgi_request.user.local_today().replace(day=1)  # type: ignore[union-attr]
    assert this_month.strftime("%Y-%m") in response.text


@pytest.mark.django_db
def test_history_still_goes_back_to_an_earlier_month(client_a: Client, partner_a: User):
    response = client_a.get(reverse("checkins:history") + "?month=2001-03")

    assert response.status_code == 200
    assert "2001-03" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["10" + "0" * 30, "-1", "nan"])
def test_history_range_out_of_reach_is_thirty_days(client_a: Client, days: str):
    response = client_a.get(reverse("checkins:history") + f"?range={days}")

    assert response.status_code == 200
    assert 'aria-current="true">30 days' in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2000-02-30"])
def test_calendar_date_out_of_reach_goes_to_today(client_a: Client, day: str):
    response = client_a.get(reverse("rituals:calendar") + f"?view=month&date={day}")

    assert response.status_code == 200


def _weekly_ritual(couple: Couple, by: User) -> ScheduledRitual:
    return ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-touchpoint",
        cadence="weekly",
        weekday=0,
        local_time=time(19, 0),
        created_by=by,
        created_at=timezone.now() - timedelta(days=30),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1970-01-05"])
@pytest.mark.parametrize("htmx", [True, False])
def test_marking_a_day_far_outside_the_calendar_is_a_kind_message(
    couple, partner_a: User, client_a: Client, day: str, htmx: bool
):
    ritual = _weekly_ritual(couple, partner_a)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = client_a.post(
        reverse("rituals:mark", args=[ritual.pk]),
        {"date": day, "status": "kept"},
        follow=not htmx,
        **headers,  # type: ignore[arg-type]
    )

    assert response.status_code in (200, 400)
    assert "That day couldn&#x27;t be read" in response.text or "That day couldn't be read" in (
        response.text
    )
    assert not OccurrenceMark.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("version", ["10" + "0" * 30, "-1", "abc", "1.5"])
def test_accepting_an_agreement_version_that_cannot_exist_is_a_kind_message(
    couple, partner_a: User, partner_b: User, version: str
):
    agreement = exercise_of("agreement", "safety")
    program_services.agreement_propose(couple=view(partner_a), exercise=agreement, text="Ours.")

    response = client_for(partner_b).post(url(agreement), {"action": "accept", "version": version})

    assert response.status_code == 200
    assert "Something else was saved at the same moment" in response.text or (
        "A newer version was proposed" in response.text
    )
    assert AgreementVersion.objects.get().in_force_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("conversation", ["10" + "0" * 30, "-3", "x"])
def test_a_conversation_id_that_cannot_exist_is_a_kind_message(
    couple, partner_a: User, partner_b: User, conversation: str
):
    talk = exercise_of("conversation")
    open_up_to(talk.stage, partner_a, partner_b)
    program_services.conversation_start(couple=view(partner_a), exercise=talk)

    response = client_for(partner_a).post(
        url(talk), {"action": "speak", "conversation": conversation, "text": "hello"}
    )

    assert response.status_code == 200
    assert "hello" in response.text  # nothing typed is lost
    assert not ConversationTurn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["rituals:mark", "rituals:ritual_change", "checkins:acknowledge", "invite_revoke"]
)
def test_an_id_in_the_address_too_big_for_the_database_is_a_404(client_a: Client, name: str):
    key = {"checkins:acknowledge": "checkin_id", "invite_revoke": "invite_id"}.get(
        name, "ritual_id"
    )

    response = client_a.post(reverse(name, kwargs={key: 10**30}), {"status": "kept"})

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["10" + "0" * 30, "-1", "32", "3.5"])
def test_a_day_of_the_month_out_of_range_is_a_kind_message(client_a: Client, day: str):
    response = client_a.post(
        reverse("rituals:schedule", args=["weekly-touchpoint"]),
        {"cadence": "monthly", "day_of_month": day, "local_time": "20:00", "who": "both"},
    )

    assert response.status_code == 200
    assert "Please write a day of the month as a number from 1 to 31." in response.text
    assert not ScheduledRitual.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["10" + "0" * 30, "0", "31", "-2"])
def test_a_reminder_pause_out_of_range_is_a_kind_message(client_a: Client, days: str):
    response = client_a.post(reverse("rituals:reminders"), {"action": "pause", "days": days})

    assert response.status_code == 200
    assert "Please choose a number of days from 1 to 30." in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("minutes", ["10" + "0" * 30, "7", "-15"])
def test_a_pause_notice_time_not_offered_is_a_kind_message(client_a: Client, minutes: str):
    response = client_a.post(reverse("pause"), {"minutes": minutes})

    assert response.status_code == 200
    assert "Please choose when you&#x27;ll come back." in response.text
    assert not PauseNotice.objects.exists()


# --- one-time keys -------------------------------------------------------------------------------------


def test_a_key_is_read_only_when_it_is_one():
    key = uuid.uuid4()

    assert once.key_from({"once": str(key)}) == key
    assert once.key_from({}) is None
    assert once.key_from({"once": "not-a-key"}) is None
    assert once.key_from({"once": "\x00" * 10}) is None
    assert once.key_from({"once": "a" * 10_000}) is None


@pytest.mark.django_db
def test_each_drawing_of_a_form_has_its_own_key(client_a: Client):
    first = key_on(client_a, reverse("rituals:index"))
    second = key_on(client_a, reverse("rituals:index"))

    assert first != second


@pytest.mark.django_db
def test_old_keys_are_forgotten_after_a_month(partner_a: User):
    Submission.objects.create(
        user=partner_a,
        purpose="x",
        key=uuid.uuid4(),
        created_at=timezone.now() - timedelta(days=31),
    )
    recent = Submission.objects.create(user=partner_a, purpose="x", key=uuid.uuid4())

    assert once.submissions_forget() == 1
    assert list(Submission.objects.all()) == [recent]


# --- twenty parallel POSTs make one row ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_gratitude_notes_from_one_form_are_one_note(
    couple, partner_a: User, partner_b: User
):
    key = key_on(client_for(partner_a), reverse("rituals:index"))

    statuses = in_parallel(
        partner_a, reverse("rituals:note_send"), {"text": "Thank you for the tea.", "once": key}
    )

    assert set(statuses) == {302}
    assert GratitudeNote.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_gratitude_notes_without_a_key_are_one_note(
    couple, partner_a: User, partner_b: User
):
    statuses = in_parallel(
        partner_a, reverse("rituals:note_send"), {"text": "Thank you for the walk."}
    )

    assert set(statuses) == {302}
    assert GratitudeNote.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_pause_notices_from_one_form_are_one_pause(
    couple, partner_a: User, partner_b: User
):
    key = key_on(client_for(partner_a), reverse("pause"))

    statuses = in_parallel(partner_a, reverse("pause"), {"minutes": "30", "once": key})

    assert set(statuses) == {302}
    assert PauseNotice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_agreement_proposals_from_one_form_are_one_version(
    couple, partner_a: User, partner_b: User
):
    agreement = exercise_of("agreement", "safety")
    key = key_on(client_for(partner_a), url(agreement))

    statuses = in_parallel(
        partner_a,
        url(agreement),
        {"action": "propose", "text": "We pause, then come back.", "once": key},
    )

    assert set(statuses) == {302}
    assert AgreementVersion.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_agreement_proposals_without_a_key_are_one_version(
    couple, partner_a: User, partner_b: User
):
    agreement = exercise_of("agreement", "safety")

    statuses = in_parallel(
        partner_a, url(agreement), {"action": "propose", "text": "We come back within a day."}
    )

    assert set(statuses) == {302}
    assert AgreementVersion.objects.count() == 1


# --- a repeated submit of every other create -------------------------------------------------------------


def twice(client: Client, path: str, data: dict[str, str], **extra: str) -> tuple[int, int]:
    first = client.post(path, data, **extra)  # type: ignore[arg-type]
    second = client.post(path, data, **extra)  # type: ignore[arg-type]
    return first.status_code, second.status_code


@pytest.mark.django_db
def test_a_repeated_note_gives_the_same_success_and_one_note(couple, client_a: Client):
    key = key_on(client_a, reverse("rituals:index"))

    statuses = twice(client_a, reverse("rituals:note_send"), {"text": "Thanks.", "once": key})
    after = client_a.post(
        reverse("rituals:note_send"), {"text": "Thanks.", "once": key}, follow=True
    )

    assert statuses == (302, 302)
    assert "Sent. They&#x27;ll see it next time they look." in after.text
    assert GratitudeNote.objects.count() == 1


@pytest.mark.django_db
def test_a_second_note_from_a_new_form_is_a_new_note(couple, client_a: Client):
    for _ in range(2):
        key = key_on(client_a, reverse("rituals:index"))
        client_a.post(reverse("rituals:note_send"), {"text": "Thanks again.", "once": key})

    assert GratitudeNote.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_note_leaves_its_key_free_for_the_corrected_one(couple, client_a: Client):
    key = key_on(client_a, reverse("rituals:index"))

    client_a.post(reverse("rituals:note_send"), {"text": "x" * 600, "once": key})
    client_a.post(reverse("rituals:note_send"), {"text": "Shorter thanks.", "once": key})

    assert [n.text for n in GratitudeNote.objects.all()] == ["Shorter thanks."]


@pytest.mark.django_db
def test_a_repeated_pause_notice_tells_the_same_time(couple, client_a: Client):
    key = key_on(client_a, reverse("pause"))

    client_a.post(reverse("pause"), {"minutes": "60", "once": key})
    client_a.post(reverse("pause"), {"minutes": "60", "once": key})

    assert PauseNotice.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_ritual_schedule_is_one_ritual(couple, client_a: Client):
    path = reverse("rituals:schedule", args=["weekly-touchpoint"])
    key = key_on(client_a, path)
    data = {"cadence": "weekly", "weekday": "2", "local_time": "20:00", "who": "both", "once": key}

    assert twice(client_a, path, data) == (302, 302)
    assert ScheduledRitual.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_link_invite_is_one_invite_with_a_link_that_works(partner_a: User):
    make_couple(partner_a)
    client = client_for(partner_a)
    key = key_on(client, reverse("invite"))

    client.post(reverse("invite"), {"how": "link", "once": key})
    second = client.post(reverse("invite"), {"how": "link", "once": key})

    assert Invite.objects.count() == 1
    link = re.search(r'id="invite-link"[^>]*value="[^"]*/invite/([^/"]+)/"', second.text)
    assert link
    blake = make_user("Blake")
    joined = client_for(blake).post(reverse("invite_accept", args=[link.group(1)]))
    assert joined.status_code == 302
    assert couple_for_user(user=blake) is not None


@pytest.mark.django_db
def test_a_repeated_email_invite_is_one_invite_and_one_email(partner_a: User, mailoutbox):
    make_couple(partner_a)
    client = client_for(partner_a)
    key = key_on(client, reverse("invite"))
    data = {"how": "email", "email": "blake@example.com", "once": key}

    client.post(reverse("invite"), data)
    second = client.post(reverse("invite"), data)

    assert Invite.objects.count() == 1
    assert Invite.objects.get().revoked_at is None
    assert len(mailoutbox) == 1
    assert "We emailed a link to blake@example.com." in second.text


@pytest.mark.django_db
def test_a_repeated_practice_log_is_one_log(couple, partner_a: User, partner_b: User):
    practice = exercise_of("practice")
    open_up_to(practice.stage, partner_a, partner_b)
    client = client_for(partner_a)
    key = key_on(client, url(practice))

    assert twice(client, url(practice), {"comfortable": "yes", "once": key}) == (302, 302)
    assert PracticeLog.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_practice_log_without_a_key_is_one_log(couple, partner_a: User, partner_b: User):
    practice = exercise_of("practice")
    open_up_to(practice.stage, partner_a, partner_b)

    twice(client_for(partner_a), url(practice), {"comfortable": "no"})

    assert PracticeLog.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_agreement_proposal_is_one_version(couple, partner_a: User):
    agreement = exercise_of("agreement", "safety")
    client = client_for(partner_a)
    key = key_on(client, url(agreement))

    twice(client, url(agreement), {"action": "propose", "text": "Ours.", "once": key})

    assert AgreementVersion.objects.count() == 1


@pytest.mark.django_db
def test_proposing_a_changed_agreement_is_still_a_new_version(couple, partner_a: User):
    agreement = exercise_of("agreement", "safety")
    a = view(partner_a)

    program_services.agreement_propose(couple=a, exercise=agreement, text="One.")
    program_services.agreement_propose(couple=a, exercise=agreement, text="One.")
    program_services.agreement_propose(couple=a, exercise=agreement, text="Two.")

    assert [v.text for v in AgreementVersion.objects.order_by("number")] == ["One.", "Two."]


@pytest.mark.django_db
def test_a_repeated_conversation_turn_is_one_turn_and_no_error(
    couple, partner_a: User, partner_b: User
):
    talk = exercise_of("conversation")
    open_up_to(talk.stage, partner_a, partner_b)
    client = client_for(partner_a)
    client.post(url(talk), {"action": "start", "once": key_on(client, url(talk))})
    conversation = Conversation.objects.get()
    data = {
        "action": "speak",
        "conversation": str(conversation.pk),
        "text": "I felt alone.",
        "once": key_on(client, url(talk)),
    }

    client.post(url(talk), data)
    again = client.post(url(talk), data, follow=True)

    assert ConversationTurn.objects.count() == 1
    assert "The conversation moved on a moment ago" not in again.text


@pytest.mark.django_db
def test_a_repeated_conversation_turn_without_a_key_is_one_turn_and_no_error(
    couple, partner_a: User, partner_b: User
):
    talk = exercise_of("conversation")
    open_up_to(talk.stage, partner_a, partner_b)
    conversation = program_services.conversation_start(couple=view(partner_a), exercise=talk)
    data = {"action": "speak", "conversation": str(conversation.pk), "text": "I felt alone."}

    client = client_for(partner_a)
    client.post(url(talk), data)
    again = client.post(url(talk), data, follow=True)

    assert ConversationTurn.objects.count() == 1
    assert "The conversation moved on a moment ago" not in again.text


@pytest.mark.django_db
def test_a_repeated_confirmation_passes_the_floor_once_without_an_error(
    couple, partner_a: User, partner_b: User
):
    talk = exercise_of("conversation")
    open_up_to(talk.stage, partner_a, partner_b)
    a, b = view(partner_a), view(partner_b)
    conversation = program_services.conversation_start(couple=a, exercise=talk)
    cid = conversation.pk
    program_services.conversation_speak(couple=a, exercise=talk, conversation_id=cid, text="x")
    program_services.conversation_reflect(couple=b, exercise=talk, conversation_id=cid, text="y")
    client = client_for(partner_a)
    data = {"action": "yes", "conversation": str(cid), "once": key_on(client, url(talk))}

    client.post(url(talk), data)
    again = client.post(url(talk), data, follow=True)

    conversation.refresh_from_db()
    assert conversation.floor_id == partner_b.pk
    assert "The conversation moved on a moment ago" not in again.text


@pytest.mark.django_db
def test_starting_a_conversation_twice_is_one_conversation(
    couple, partner_a: User, partner_b: User
):
    talk = exercise_of("conversation")
    open_up_to(talk.stage, partner_a, partner_b)

    twice(client_for(partner_a), url(talk), {"action": "start"})
    client_for(partner_b).post(url(talk), {"action": "start"})

    assert Conversation.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_commitment_is_one_commitment(couple, partner_a: User, partner_b: User):
    talk = (
        exercise_of("conversation", commitment=True)
        if any(e.type == "conversation" and e.commitment for e in program().exercises)
        else exercise_of("conversation")
    )
    open_up_to(talk.stage, partner_a, partner_b)
    a = view(partner_a)
    conversation = program_services.conversation_start(couple=a, exercise=talk)
    program_services.conversation_speak(
        couple=a, exercise=talk, conversation_id=conversation.pk, text="x"
    )
    program_services.conversation_finish(couple=a, exercise=talk, conversation_id=conversation.pk)
    data = {"action": "commit", "conversation": str(conversation.pk), "text": "I'll call."}

    twice(client_for(partner_a), url(talk), data)

    assert Commitment.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_reveal_answer_is_no_error_after_the_partner_answered(
    couple, partner_a: User, partner_b: User
):
    reveal = exercise_of("reveal", "safety")
    client = client_for(partner_a)
    client.post(url(reveal), {"action": "submit", "text": "Mine."})
    client_for(partner_b).post(url(reveal), {"action": "submit", "text": "Theirs."})

    again = client.post(url(reveal), {"action": "submit", "text": "Mine."}, follow=True)

    assert "Both answers are already shown" not in again.text
    assert ProgramEntry.objects.count() == 2


@pytest.mark.django_db
def test_a_repeated_map_answer_is_one_answer(couple, partner_a: User, partner_b: User):
    map_ = exercise_of("map")
    open_up_to(map_.stage, partner_a, partner_b)
    item = map_.items[0].key

    twice(client_for(partner_a), url(map_), {item: "yes"})

    assert MapAnswer.objects.count() == 1


@pytest.mark.django_db
def test_saying_ready_twice_is_one_readiness(couple, partner_a: User, partner_b: User):
    open_up_to("attunement", partner_a, partner_b)
    StageReadiness.objects.filter(user=partner_a, stage="safety").delete()

    twice(client_for(partner_a), reverse("program_stage", args=["safety"]), {})

    assert StageReadiness.objects.filter(user=partner_a, stage="safety").count() == 1


@pytest.mark.django_db
def test_a_repeated_check_in_is_one_check_in(client_a: Client):
    data = {"visibility": "private", "helped": "a walk"}

    twice(client_a, reverse("checkins:index"), data)

    assert CheckIn.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_acknowledgement_is_one_acknowledgement(
    couple, partner_a: User, client_b: Client
):
    shared = CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=partner_a.local_today(),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
    )

    twice(client_b, reverse("checkins:acknowledge", args=[shared.pk]), {"kind": "heart"})

    assert Acknowledgement.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_mark_is_one_mark(couple, partner_a: User, client_a: Client):
    ritual = _weekly_ritual(couple, partner_a)
    today = partner_a.local_today()
    monday = today - timedelta(days=today.weekday())

    twice(
        client_a, reverse("rituals:mark", args=[ritual.pk]), {"date": str(monday), "status": "kept"}
    )

    assert OccurrenceMark.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_safety_check_is_one_record(partner_a: User):
    SafetyCheck.objects.filter(user=partner_a).delete()

    twice(client_for(partner_a), reverse("safety_check"), {"afraid": "no"})

    assert SafetyCheck.objects.filter(user=partner_a).count() == 1


@pytest.mark.django_db
def test_starting_a_couple_twice_is_one_couple():
    solo = make_user("Sam")

    twice(client_for(solo), reverse("start"), {})

    assert Couple.objects.count() == 1


# --- what the hostile-input test found -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["words", "checkins:index", "\x00", "/a\r\nb", "//evil.example/"]
)
def test_a_next_that_is_not_a_path_of_ours_goes_to_the_default(
    couple, partner_a: User, client_b: Client, target: str
):
    shared = CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=partner_a.local_today(),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
    )

    response = client_b.post(
        reverse("checkins:acknowledge", args=[shared.pk]), {"kind": "heart", "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_next_that_is_a_path_of_ours_is_followed(couple, partner_a: User, client_b: Client):
    shared = CheckIn.objects.create(
        user=partner_a,
        couple=couple,
        local_date=partner_a.local_today(),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
    )

    response = client_b.post(
        reverse("checkins:acknowledge", args=[shared.pk]), {"kind": "heart", "next": "/rituals/"}
    )

    assert response["Location"] == "/rituals/"


@pytest.mark.django_db
def test_the_safety_screen_keeps_next_whole_through_the_support_page(partner_a: User):
    response = client_for(partner_a).post(
        reverse("safety_check"), {"afraid": "yes", "next": "/rituals/?a=1&b=2"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?next=%2Frituals%2F%3Fa%3D1%26b%3D2")


@pytest.mark.django_db
def test_a_pause_sent_without_a_time_is_asked_for_kindly(client_a: Client):
    response = client_a.post(reverse("pause"), {})

    assert "Please choose when you&#x27;ll come back." in response.text
    assert "This field is required." not in response.text


@pytest.mark.django_db
def test_settings_sent_without_a_time_zone_are_asked_for_kindly(client_a: Client):
    response = client_a.post(reverse("settings"), {"display_name": "Avery"})

    assert "Please pick your time zone from the list." in response.text
    assert "This field is required." not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("settings", {"display_name": "Av\x00ery", "time_zone": "UTC"}),
        ("rituals:note_send", {"text": "thanks\x00"}),
        ("checkins:index", {"visibility": "private", "helped": "\x00"}),
        ("delete_account", {"password": "\x00"}),
        ("invite", {"how": "email", "email": "a\x00@example.com"}),
    ],
)
def test_a_null_character_is_refused_kindly(partner_a: User, name: str, data: dict[str, str]):
    make_couple(partner_a, make_user("Blake") if name != "invite" else None)

    response = client_for(partner_a).post(reverse(name), data)

    assert response.status_code == 200
    assert "Part of that couldn" in response.text
    assert "Null characters are not allowed." not in response.text
