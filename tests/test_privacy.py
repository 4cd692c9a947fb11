"""A person's own data: the download holds their own words and only what their partner shared with
them; deleting an account removes the person and everything that was theirs alone, ends the shared
space kindly, and leaves nothing that points at them; leaving a couple hides each partner's words from
the other everywhere; the admin and the logs never hold anything anyone wrote."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin import site as admin_site
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins import services as checkin_services
from checkins.models import SHAREABLE_FIELDS, Acknowledgement, CheckIn, Visibility
from checkins.services import CheckinInput
from repair.couples import services as couple_services
from repair.couples.models import Couple, Invite, Membership, SafetyCheck, User
from repair.couples.selectors import couple_for_user
from repair.home import privacy
from repair.program import services as program_services
from repair.program import track
from repair.program.content import Exercise, program
from repair.program.models import (
    AgreementAcceptance,
    AgreementVersion,
    Commitment,
    Conversation,
    ConversationTurn,
    MapAnswer,
    ProgramEntry,
)
from repair.program.track_content import tracks
from rituals import services as ritual_services
from rituals.models import GratitudeNote, OccurrenceMark, ReminderSettings, ScheduledRitual
from tests.conftest import client_for
from tests.factories import PASSWORD, make_couple, make_user
from tests.factories import couple_view as view

# One distinctive word per kind of thing each partner wrote, so presence and absence are exact.
A_SHARED_CHECKIN = "avery-shared-checkin-marigold"
A_PRIVATE_CHECKIN = "avery-private-checkin-juniper"
A_REPLY = "avery-reply-to-blake-pebble"
A_SHARED_REFLECTION = "avery-shared-reflection-lantern"
A_PRIVATE_REFLECTION = "avery-private-reflection-quartz"
A_DRAFT = "avery-draft-thistle"
A_REVEALED = "avery-revealed-answer-harbor"
A_UNREVEALED = "avery-unrevealed-answer-cobalt"
A_AGREEMENT = "avery-agreement-willow"
A_TURN = "avery-conversation-turn-ember"
A_COMMITMENT = "avery-commitment-alone-fennel"
A_NOTE = "avery-note-to-blake-saffron"
A_TRACK = "avery-own-track-bramble"

B_SHARED_CHECKIN = "blake-shared-checkin-heron"
B_PRIVATE_CHECKIN = "blake-private-checkin-basalt"
B_REPLY = "blake-reply-to-avery-acorn"
B_SHARED_REFLECTION = "blake-shared-reflection-tamarind"
B_PRIVATE_REFLECTION = "blake-private-reflection-obsidian"
B_DRAFT = "blake-draft-sorrel"
B_REVEALED = "blake-revealed-answer-meadow"
B_UNREVEALED = "blake-unrevealed-answer-garnet"
B_AGREEMENT = "blake-agreement-cedar"
B_TURN = "blake-conversation-turn-drizzle"
B_NOTE = "blake-note-to-avery-nutmeg"
B_TRACK = "blake-own-track-linden"

A_WORDS = [v for k, v in dict(globals()).items() if k.startswith("A_") and isinstance(v, str)]
B_WORDS = [v for k, v in dict(globals()).items() if k.startswith("B_") and isinstance(v, str)]
# What each partner may see of the other while their space is active.
A_SHARED_WITH_B = [A_SHARED_CHECKIN, A_SHARED_REFLECTION, A_REVEALED, A_AGREEMENT, A_TURN, A_NOTE]
B_SHARED_WITH_A = [B_SHARED_CHECKIN, B_SHARED_REFLECTION, B_REVEALED, B_AGREEMENT, B_TURN, B_NOTE]
# ...and what never crosses over.
A_PRIVATE = [
    A_PRIVATE_CHECKIN,
    A_PRIVATE_REFLECTION,
    A_DRAFT,
    A_UNREVEALED,
    A_COMMITMENT,
    A_TRACK,
]
B_PRIVATE = [B_PRIVATE_CHECKIN, B_PRIVATE_REFLECTION, B_DRAFT, B_UNREVEALED, B_TRACK]
# Answers to the other's shared check-in: shown to its author with their check-in (while the space
# lasts).
A_TO_B = [A_REPLY]
B_TO_A = [B_REPLY]

MAP = "safety-small-comforts"  # items: hear-im-here, kind-message, whats-going-well


def exercise(slug: str) -> Exercise:
    found = program().exercise(slug)
    assert found is not None, slug
    return found


@dataclass(frozen=True)
class Seeded:
    couple: Couple
    ritual: ScheduledRitual
    conversation: Conversation


def record(user: User, words: str, *, shared: bool, days_ago: int) -> CheckIn:
    return checkin_services.checkin_record(
        user=user,
        couple=couple_for_user(user=user),
        data=CheckinInput(
            scales={"safety": 4, "mood": 3},
            helped=words,
            shared=frozenset(SHAREABLE_FIELDS if shared else ()),
        ),
        now=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def seeded(couple: Couple, partner_a: User, partner_b: User) -> Seeded:
    """Avery and Blake, a month in: something of every kind, some shared, some private."""
    a, b = view(partner_a), view(partner_b)

    # The shared ones are today's, so the Today and check-in pages show them to the partner.
    record(partner_a, A_SHARED_CHECKIN, shared=True, days_ago=0)
    record(partner_a, A_PRIVATE_CHECKIN, shared=False, days_ago=1)
    record(partner_b, B_SHARED_CHECKIN, shared=True, days_ago=0)
    record(partner_b, B_PRIVATE_CHECKIN, shared=False, days_ago=1)
    a_shared = CheckIn.objects.get(user=partner_a, visibility=Visibility.SHARED)
    b_shared = CheckIn.objects.get(user=partner_b, visibility=Visibility.SHARED)
    checkin_services.checkin_acknowledge(
        checkin=b_shared, by=partner_a, kind="reply", reply=A_REPLY
    )
    checkin_services.checkin_acknowledge(
        checkin=a_shared, by=partner_b, kind="reply", reply=B_REPLY
    )

    # Each one's own track (neutral: no roles are agreed here), written privately.
    first_of_track = tracks().for_role("neutral").exercises[0]
    for owner, words in ((partner_a, A_TRACK), (partner_b, B_TRACK)):
        track.track_entry_save(user=owner, exercise=first_of_track, text=words)

    shared_reflection = exercise("safety-unsafe-moments")
    for person, words in ((a, A_SHARED_REFLECTION), (b, B_SHARED_REFLECTION)):
        program_services.entry_save(
            couple=person, exercise=shared_reflection, text=words, submit=True
        )
        program_services.reflection_share(couple=person, exercise=shared_reflection, share=True)
    private_reflection = exercise("safety-closing")
    program_services.entry_save(
        couple=a, exercise=private_reflection, text=A_PRIVATE_REFLECTION, submit=True
    )
    program_services.entry_save(
        couple=b, exercise=private_reflection, text=B_PRIVATE_REFLECTION, submit=True
    )
    draft = exercise("attunement-pain-not-verdict")
    program_services.entry_save(couple=a, exercise=draft, text=A_DRAFT, submit=False)
    program_services.entry_save(couple=b, exercise=draft, text=B_DRAFT, submit=False)
    revealed = exercise("safety-what-would-help")
    program_services.entry_save(couple=a, exercise=revealed, text=A_REVEALED, submit=True)
    program_services.entry_save(couple=b, exercise=revealed, text=B_REVEALED, submit=True)
    # Each has submitted a reveal answer the other hasn't answered yet: not revealed.
    program_services.entry_save(
        couple=a, exercise=exercise("meaning-our-new-story"), text=A_UNREVEALED, submit=True
    )
    program_services.entry_save(
        couple=b, exercise=exercise("meaning-what-it-meant"), text=B_UNREVEALED, submit=True
    )

    program_services.map_answers_save(
        couple=a,
        exercise=exercise(MAP),
        answers={"hear-im-here": "yes", "kind-message": "not_now", "whats-going-well": "maybe"},
    )
    program_services.map_answers_save(
        couple=b,
        exercise=exercise(MAP),
        answers={"hear-im-here": "yes", "kind-message": "yes", "whats-going-well": "not_now"},
    )
    for person in (a, b):
        program_services.map_compare(couple=person, exercise=exercise(MAP))

    honesty = exercise("safety-honesty-agreement")
    version = program_services.agreement_propose(couple=a, exercise=honesty, text=A_AGREEMENT)
    program_services.agreement_accept(couple=b, exercise=honesty, version_id=version.pk)
    program_services.agreement_propose(
        couple=b, exercise=exercise("safety-devices-and-privacy"), text=B_AGREEMENT
    )

    # Avery has the floor; Blake reflected; Avery wrote a commitment Blake hasn't matched yet.
    talk = Conversation.objects.create(
        couple=couple,
        exercise="attunement-speaker-listener",
        floor=partner_a,
        state=Conversation.State.COMMITTING,
    )
    ConversationTurn.objects.create(conversation=talk, author=partner_a, kind="speak", text=A_TURN)
    ConversationTurn.objects.create(
        conversation=talk, author=partner_b, kind="reflect", text=B_TURN, confirmed=True
    )
    Commitment.objects.create(conversation=talk, user=partner_a, text=A_COMMITMENT)

    ritual_services.note_send(couple=a, text=A_NOTE)
    ritual_services.note_send(couple=b, text=B_NOTE)
    ritual = ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-touchpoint",
        cadence="weekly",
        weekday=0,
        local_time=time(19, 0),
        created_by=partner_a,
        created_at=timezone.now() - timedelta(days=30),
    )
    day = timezone.localdate() - timedelta(days=7)
    OccurrenceMark.objects.create(ritual=ritual, user=partner_a, date=day, status="skipped")
    OccurrenceMark.objects.create(ritual=ritual, user=partner_b, date=day, status="kept")
    ReminderSettings.objects.create(user=partner_a, quiet_start=time(22), quiet_end=time(7))

    SafetyCheck.objects.filter(user=partner_a).update(concern=True, choice="alone")
    return Seeded(couple=couple, ritual=ritual, conversation=talk)


def download(client: Client, fmt: str) -> str:
    response = client.get(reverse("export_data"), {"format": fmt})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def export_json(client: Client) -> dict[str, object]:
    data: dict[str, object] = json.loads(download(client, "json"))
    return data


# --- the download ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_my_download_holds_everything_i_wrote_and_what_my_partner_shared_with_me(
    seeded: Seeded, partner_a: User, fmt: str
):
    text = download(client_for(partner_a), fmt)

    for words in [*A_WORDS, *B_SHARED_WITH_A, *B_TO_A]:
        assert words in text, words


@pytest.mark.parametrize("fmt", ["json", "html"])
@pytest.mark.parametrize("who", ["a", "b"])
def test_my_download_never_holds_my_partners_private_words(
    seeded: Seeded, partner_a: User, partner_b: User, fmt: str, who: str
):
    me, partner_private = (partner_a, B_PRIVATE) if who == "a" else (partner_b, A_PRIVATE)

    text = download(client_for(me), fmt)

    for words in partner_private:
        assert words not in text, words


def test_blake_sees_averys_shared_words_and_never_averys_private_ones(
    seeded: Seeded, partner_b: User
):
    text = download(client_for(partner_b), "json")

    for words in [*B_WORDS, *A_SHARED_WITH_B, *A_TO_B]:
        assert words in text, words
    for words in A_PRIVATE:
        assert words not in text, words


def test_a_map_in_my_download_holds_my_answers_and_only_what_we_both_chose(
    seeded: Seeded, partner_b: User
):
    maps = export_json(client_for(partner_b))["program"]["maps"]  # type: ignore[index]

    (small_comforts,) = maps
    labels = {i.key: i.label for i in exercise(MAP).items}
    assert {a["item"]: a["answer"] for a in small_comforts["my_answers"]} == {
        "hear-im-here": "yes",
        "kind-message": "yes",
        "whats-going-well": "not_now",
    }
    assert small_comforts["both_yes"] == [labels["hear-im-here"]]
    # Avery's "maybe" and "not now" show nowhere: Blake's own answer differed.
    assert small_comforts["both_maybe"] == []


def test_my_download_holds_my_own_marks_and_safety_check_never_my_partners(
    seeded: Seeded, partner_b: User
):
    data = export_json(client_for(partner_b))

    marks = data["rituals"]["my_marks"]  # type: ignore[index]
    assert [m["status"] for m in marks] == ["kept"]
    check = data["account"]["safety_check"]  # type: ignore[index]
    assert check["concern"] is False
    assert check["choice"] == "together"


def test_my_own_safety_check_outcome_is_in_my_download(seeded: Seeded, partner_a: User):
    data = export_json(client_for(partner_a))

    check = data["account"]["safety_check"]  # type: ignore[index]
    assert check["concern"] is True
    assert check["choice"] == "alone"
    assert data["account"]["email"] == partner_a.email  # type: ignore[index]
    assert data["rituals"]["reminder_settings"]["quiet_start"] == "22:00"  # type: ignore[index]


def test_an_outsiders_download_holds_nothing_of_another_couple(seeded: Seeded, outsider: User):
    for fmt in ("json", "html"):
        text = download(client_for(outsider), fmt)

        for words in [*A_WORDS, *B_WORDS]:
            assert words not in text, words
        assert "Avery" not in text
        assert "Blake" not in text


def test_downloads_are_attachments_that_no_cache_keeps(seeded: Seeded, client_a: Client):
    for fmt, content_type in (("json", "application/json"), ("html", "text/html")):
        response = client_a.get(reverse("export_data"), {"format": fmt})

        assert response["Content-Type"].startswith(content_type)
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Disposition"].endswith(f'.{fmt}"')
        assert response["Cache-Control"] == "no-store"


def test_the_readable_copy_opens_on_its_own_with_nothing_from_elsewhere(
    seeded: Seeded, client_a: Client
):
    html = download(client_a, "html")

    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert "<link" not in html
    assert " src=" not in html
    assert "http://" not in html
    assert "https://" not in html


def test_words_in_the_readable_copy_are_escaped(client_a: Client, partner_a: User):
    record(partner_a, "<script>alert(1)</script>", shared=False, days_ago=0)

    html = download(client_a, "html")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_download_page_offers_both_formats_and_says_what_is_left_out(client_a: Client):
    page = client_a.get(reverse("export_data"))

    assert page.status_code == 200
    assert "?format=html" in page.text
    assert "?format=json" in page.text
    assert "Never your partner" in page.text


def test_settings_link_to_the_download_and_to_deleting_the_account(client_a: Client):
    page = client_a.get(reverse("settings")).text

    assert reverse("export_data") in page
    assert reverse("delete_account") in page


# --- leaving a couple, checked against every kind of thing ----------------------------------------


def pages_for(client: Client) -> list[str]:
    """Every page a person without a special URL can reach, as they see it."""
    urls = [
        reverse("today"),
        reverse("start"),
        reverse("program"),
        reverse("checkins:index"),
        reverse("checkins:history"),
        reverse("rituals:index"),
        reverse("rituals:calendar"),
        reverse("settings"),
        reverse("export_data"),
        reverse("pause"),
        *(
            reverse("program_exercise", args=[e.stage, e.slug])
            for e in program().exercises
            if e.stage in ("safety", "attunement")
        ),
    ]
    return [client.get(url, follow=True).text for url in urls]


def test_after_leaving_neither_partner_sees_the_others_words_anywhere(
    seeded: Seeded, partner_a: User, partner_b: User
):
    client_b = client_for(partner_b)
    before = "\n".join(pages_for(client_b))
    for words in (A_SHARED_CHECKIN, A_SHARED_REFLECTION, A_REVEALED, A_NOTE, A_AGREEMENT):
        assert words in before, words  # the pages did show Avery's shared words

    couple_services.couple_leave(user=partner_a)
    # Blake starts again with someone new, so every couple page renders for them.
    make_couple(partner_b, make_user("Dana"))
    after = "\n".join(pages_for(client_b))
    exported = download(client_b, "json") + download(client_b, "html")
    avery_exported = download(client_for(partner_a), "json")

    # Not even a reply one gave to the other's check-in: it went with the space.
    for words in A_WORDS:
        assert words not in after, words
        assert words not in exported, words
    for words in B_WORDS:
        assert words not in avery_exported, words
    # Each keeps their own words, from the space that ended too.
    for words in [B_PRIVATE_REFLECTION, B_DRAFT, B_TURN, B_NOTE, B_AGREEMENT]:
        assert words in exported, words


# --- deleting an account ---------------------------------------------------------------------------


def references_to(user_id: int) -> list[str]:
    """Every row, in every table, that still points at this person by a foreign key."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model is User
                and model._default_manager.filter(**{field.attname: user_id}).exists()
            ):
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_a_wrong_password_is_answered_kindly_and_deletes_nothing(
    seeded: Seeded, client_a: Client, partner_a: User
):
    response = client_a.post(reverse("delete_account"), {"password": "not-my-password"})

    assert response.status_code == 200
    assert "That isn" in response.text
    assert "Please try again" in response.text
    assert User.objects.filter(pk=partner_a.pk).exists()
    assert couple_for_user(user=partner_a) is not None
    assert client_a.get(reverse("settings")).status_code == 200  # still signed in


def test_an_empty_password_asks_for_it(client_a: Client, partner_a: User):
    response = client_a.post(reverse("delete_account"), {})

    assert response.status_code == 200
    assert "Please type your password to confirm." in response.text
    assert User.objects.filter(pk=partner_a.pk).exists()


def test_the_delete_page_says_plainly_what_happens(client_a: Client):
    page = client_a.get(reverse("delete_account")).text

    assert "Your shared space ends" in page
    assert "We don" in page  # ...email your partner
    assert reverse("export_data") in page


def test_after_five_wrong_passwords_even_the_right_one_waits(client_a: Client, partner_a: User):
    for _ in range(5):
        client_a.post(reverse("delete_account"), {"password": "guess"})

    response = client_a.post(reverse("delete_account"), {"password": PASSWORD})

    assert response.status_code == 429
    assert "come back in ten minutes" in response.text
    assert "That isn" not in response.text  # neither "wrong" nor "right" is given away
    assert User.objects.filter(pk=partner_a.pk).exists()


def test_deleting_my_account_removes_me_and_signs_me_out_everywhere(
    seeded: Seeded, partner_a: User
):
    client_a, other_device = client_for(partner_a), client_for(partner_a)
    user_id = partner_a.pk
    email = partner_a.email

    response = client_a.post(reverse("delete_account"), {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_deleted")
    goodbye = client_a.get(response["Location"])
    assert goodbye.status_code == 200
    assert "Your account is deleted" in goodbye.text
    assert not User.objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(email__iexact=email).exists()
    for client in (client_a, other_device):
        assert client.get(reverse("settings"))["Location"].startswith(reverse("account_login"))
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user_id)
    ]


def test_deleting_leaves_nothing_that_points_at_me(
    seeded: Seeded, partner_a: User, partner_b: User
):
    # Blake had invited Avery by email earlier, and an operator once edited Avery's account.
    Invite.objects.create(
        couple=seeded.couple,
        created_by=partner_b,
        token_hash="0" * 64,
        email=partner_a.email,
        expires_at=timezone.now(),
    )
    LogEntry.objects.log_actions(
        user_id=User.objects.create_superuser(email="op@example.com", password="x-pass-12345").pk,
        queryset=[partner_a],
        action_flag=ADDITION,
    )
    user_id, email = partner_a.pk, partner_a.email

    client_for(partner_a).post(reverse("delete_account"), {"password": PASSWORD})

    assert references_to(user_id) == []
    assert not Invite.objects.filter(email__iexact=email).exists()
    assert not LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user_id)
    ).exists()


def test_after_i_delete_my_partner_keeps_their_own_words_and_is_told_kindly(
    seeded: Seeded, partner_a: User, partner_b: User
):
    client_for(partner_a).post(reverse("delete_account"), {"password": PASSWORD})
    client_b = client_for(partner_b)

    start = client_b.get(reverse("start"))
    assert "Your shared space has ended" in start.text
    assert client_b.get(reverse("today"))["Location"] == reverse("start")
    # Blake's own things are all still there...
    assert CheckIn.objects.filter(user=partner_b).count() == 2
    assert ProgramEntry.objects.filter(user=partner_b).count() == 5
    assert MapAnswer.objects.filter(user=partner_b).count() == 3
    assert GratitudeNote.objects.filter(sender=partner_b).count() == 1
    assert AgreementVersion.objects.filter(proposed_by=partner_b).count() == 1
    # ...including their turn in a conversation where Avery had the floor, and their mark on a
    # ritual Avery had scheduled for both of them.
    assert ConversationTurn.objects.filter(author=partner_b).count() == 1
    assert Conversation.objects.get(pk=seeded.conversation.pk).floor_id == partner_b.pk
    assert OccurrenceMark.objects.filter(user=partner_b).count() == 1
    assert ScheduledRitual.objects.get(pk=seeded.ritual.pk).created_by_id == partner_b.pk
    # Nothing of Avery's is left, anywhere Blake can look.
    assert not Acknowledgement.objects.filter(checkin__user=partner_b).exists()
    assert not AgreementAcceptance.objects.exclude(user=partner_b).exists()
    text = "\n".join(pages_for(client_b)) + download(client_b, "json")
    for words in A_WORDS:
        assert words not in text, words
    assert B_PRIVATE_REFLECTION in text


def test_no_email_tells_my_partner_that_i_deleted_my_account(
    seeded: Seeded, partner_a: User, partner_b: User, mailoutbox: list[object]
):
    mailoutbox.clear()

    client_for(partner_a).post(reverse("delete_account"), {"password": PASSWORD})

    assert mailoutbox == []


def test_deleting_when_alone_in_a_space_removes_the_space(partner_a: User):
    couple = make_couple(partner_a)

    client_for(partner_a).post(reverse("delete_account"), {"password": PASSWORD})

    assert not Couple.objects.filter(pk=couple.pk).exists()


def test_deleting_without_a_space_works_too(partner_a: User):
    response = client_for(partner_a).post(reverse("delete_account"), {"password": PASSWORD})

    assert response.status_code == 302
    assert not User.objects.filter(pk=partner_a.pk).exists()


def test_deleting_twice_is_harmless(seeded: Seeded, partner_a: User, partner_b: User):
    privacy.account_delete(user=partner_a)
    privacy.account_delete(user=partner_a)

    assert User.objects.filter(pk=partner_b.pk).exists()
    assert Membership.objects.filter(user=partner_b).count() == 1


def test_an_operator_deleting_an_account_takes_the_same_careful_path(
    seeded: Seeded, partner_a: User, partner_b: User
):
    boss = User.objects.create_superuser(email="operator@example.com", password="x-long-password-1")
    user_id = partner_a.pk

    response = client_for(boss).post(
        reverse("admin:repair_user_delete", args=[user_id]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=user_id).exists()
    assert references_to(user_id) == []
    assert ConversationTurn.objects.filter(author=partner_b).count() == 1
    assert couple_for_user(user=partner_b) is None


def test_the_goodbye_page_is_only_for_the_moment_after_deleting(client_a: Client):
    assert client_a.get(reverse("account_deleted")).status_code == 302
    assert Client().get(reverse("account_deleted")).status_code == 302


# --- the admin and the logs never hold anyone's words ---------------------------------------------


WRITTEN_MODELS = (
    "checkins.CheckIn",
    "checkins.Acknowledgement",
    "program.ProgramEntry",
    "program.MapAnswer",
    "program.MapRound",
    "program.MapSubmission",
    "program.AgreementVersion",
    "program.ConversationTurn",
    "program.Commitment",
    "program.TrackEntry",
    "repair.SafetyCheck",
    "rituals.GratitudeNote",
    "rituals.OccurrenceMark",
)


def test_nothing_anyone_writes_is_registered_in_the_admin():
    registered = {model._meta.label for model in admin_site._registry}

    assert not registered & set(WRITTEN_MODELS)


def test_admin_pages_never_show_what_anyone_wrote(seeded: Seeded, partner_a: User, partner_b: User):
    boss = User.objects.create_superuser(email="operator@example.com", password="x-long-password-1")
    client = client_for(boss)
    pages = [client.get(reverse("admin:index"))]
    for model, model_admin in admin_site._registry.items():
        opts = model._meta
        pages.append(client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")))
        for obj in model_admin.get_queryset(pages[0].wsgi_request)[:20]:
            pages.append(
                client.get(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                )
            )
    # The delete confirmation lists everything that would go with a person.
    pages.append(client.get(reverse("admin:repair_user_delete", args=[partner_a.pk])))

    assert all(page.status_code == 200 for page in pages), [p.status_code for p in pages]
    text = "\n".join(page.text for page in pages)
    for words in [*A_WORDS, *B_WORDS]:
        assert words not in text, words
    assert "I caused the hurt" not in text


def all_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(message)s")
    return "\n".join(
        f"{record.getMessage()} {record.args!r} {formatter.formatException(record.exc_info) if record.exc_info else ''}"
        for record in caplog.records
    )


def test_logs_never_hold_what_anyone_wrote(
    couple: Couple, partner_a: User, partner_b: User, settings, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    # Blake wants an email when a note waits; the mail server is down, so sending fails and is logged.
    ReminderSettings.objects.create(user=partner_b, notes_email_enabled=True)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    reflection = exercise("safety-unsafe-moments")

    client_a.post(
        reverse("checkins:index"),
        {
            "share_helped": "on",
            "helped": A_SHARED_CHECKIN,
            "share_need": "on",
            "need": A_PRIVATE_CHECKIN,
        },
    )
    client_a.post(
        reverse("program_exercise", args=[reflection.stage, reflection.slug]),
        {"action": "submit", "text": A_PRIVATE_REFLECTION},
    )
    client_a.post(reverse("rituals:note_send"), {"text": A_NOTE})
    shared = CheckIn.objects.get(user=partner_a)
    client_b.post(
        reverse("checkins:acknowledge", args=[shared.pk]), {"kind": "reply", "reply": B_REPLY}
    )
    client_b.post(reverse("rituals:note_send"), {"text": "x" * 5000 + B_NOTE})  # refused: too long
    client_a.get(reverse("export_data"), {"format": "json"})
    client_a.post(reverse("delete_account"), {"password": "not-it"})

    assert "email.send_failed" in caplog.text  # the failure was logged...
    logged = all_logged(caplog)
    written = (A_SHARED_CHECKIN, A_PRIVATE_CHECKIN, A_PRIVATE_REFLECTION, A_NOTE, B_REPLY, B_NOTE)
    for words in written:
        assert words not in logged, words  # ...and no words with it
    assert "not-it" not in logged
    assert partner_b.email not in logged
