"""Encryption at rest of every free text a person writes (repair/lib/crypto.py): what the database holds,
key rotation, a wrong key, and the issue's "done means": a pg_dump holds none of the couple's words."""

from __future__ import annotations

import logging
import shutil
import subprocess
from datetime import date
from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection, models

from checkins.demo import NOTES
from checkins.forms import AcknowledgeForm
from checkins.models import SHAREABLE_FIELDS, AckKind, Acknowledgement, CheckIn, Visibility
from repair.couples.models import Couple, User
from repair.lib.crypto import PREFIX, EncryptedTextField, FieldDecryptionError, encrypted_fields
from repair.program.models import (
    AgreementVersion,
    Commitment,
    Conversation,
    ConversationTurn,
    ProgramEntry,
)
from rituals.models import GratitudeNote
from tests.factories import make_couple, make_user

# One distinctive phrase per encrypted field, none of which appears anywhere else in the app.
WORDS = {
    (ProgramEntry, "text"): "I found the receipts from the Marigold Hotel",
    (ProgramEntry, "shared_text"): "The bandstand letters were never meant for you",
    (AgreementVersion, "text"): "No more secret phones; we share the lighthouse calendar",
    (ConversationTurn, "text"): "When you lied about Thursday I felt the floor tilt",
    (Commitment, "text"): "I will phone from the quayside every evening",
    (CheckIn, "helped"): "Walking the greyhound past the gasworks helped",
    (CheckIn, "appreciated"): "You saved me the last apricot croissant",
    (CheckIn, "need"): "I need you to stop checking my satchel",
    (Acknowledgement, "reply"): "Thank you, pumpernickel, I read every word",
    (GratitudeNote, "text"): "Thank you for the tangerine tulips on Sunday",
}


def write_everything(couple: Couple, a: User, b: User) -> dict[str, models.Model]:
    """A couple's words in every encrypted field, written through the ORM as the services do."""
    entry = ProgramEntry.objects.create(
        couple=couple,
        user=a,
        exercise="test-reflection",
        text=WORDS[(ProgramEntry, "text")],
        shared_text=WORDS[(ProgramEntry, "shared_text")],
    )
    agreement = AgreementVersion.objects.create(
        couple=couple,
        exercise="test-agreement",
        number=1,
        text=WORDS[(AgreementVersion, "text")],
        proposed_by=a,
    )
    conversation = Conversation.objects.create(couple=couple, exercise="test-talk", floor=a)
    turn = ConversationTurn.objects.create(
        conversation=conversation,
        author=a,
        kind=ConversationTurn.Kind.SPEAK,
        text=WORDS[(ConversationTurn, "text")],
    )
    commitment = Commitment.objects.create(
        conversation=conversation, user=b, text=WORDS[(Commitment, "text")]
    )
    checkin = CheckIn.objects.create(
        user=a,
        couple=couple,
        local_date=date(2026, 11, 23),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
        helped=WORDS[(CheckIn, "helped")],
        appreciated=WORDS[(CheckIn, "appreciated")],
        need=WORDS[(CheckIn, "need")],
        safety=3,
    )
    ack = Acknowledgement.objects.create(
        checkin=checkin, by=b, kind=AckKind.REPLY, reply=WORDS[(Acknowledgement, "reply")]
    )
    note = GratitudeNote.objects.create(
        couple=couple, sender=b, text=WORDS[(GratitudeNote, "text")]
    )
    return {
        "ProgramEntry": entry,
        "AgreementVersion": agreement,
        "ConversationTurn": turn,
        "Commitment": commitment,
        "CheckIn": checkin,
        "Acknowledgement": ack,
        "GratitudeNote": note,
    }


def stored(model: type[models.Model], field: str, pk: Any) -> str:
    """The column's value as the database holds it, past the ORM."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(field)  # each encrypted field's column is its name
    with connection.cursor() as cursor:
        cursor.execute(f"select {column} from {table} where id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def read(model: type[models.Model], field: str, pk: Any) -> str:
    return str(getattr(model._default_manager.get(pk=pk), field))


def use_keys(settings: Any, *keys: bytes) -> None:
    # The cipher is cached by the key list itself, so changing the setting is all it takes.
    settings.FIELD_ENCRYPTION_KEYS = [key.decode() for key in keys]


# --- what the database holds --------------------------------------------------------------------


def test_every_written_field_is_encrypted_and_nothing_else_is():
    found = {
        (model._meta.label, name)
        for model in {model for model, _ in WORDS}
        for name in encrypted_fields(model)
    }

    assert found == {(model._meta.label, name) for model, name in WORDS}


def test_words_round_trip_and_the_column_holds_only_a_token(couple, partner_a, partner_b):
    rows = write_everything(couple, partner_a, partner_b)

    for (model, field), words in WORDS.items():
        pk = rows[model.__name__].pk
        assert read(model, field, pk) == words
        raw = stored(model, field, pk)
        assert raw.startswith(PREFIX)
        assert words not in raw
        assert not any(word in raw for word in words.split() if len(word) > 3)


def test_the_same_words_twice_are_stored_differently(couple, partner_a):
    first = ProgramEntry.objects.create(couple=couple, user=partner_a, exercise="x", text="same")
    second = ProgramEntry.objects.create(couple=couple, user=partner_a, exercise="y", text="same")

    assert stored(ProgramEntry, "text", first.pk) != stored(ProgramEntry, "text", second.pk)


def test_nothing_written_stays_empty_and_unicode_survives(couple, partner_a):
    empty = CheckIn.objects.create(user=partner_a, local_date=date(2026, 11, 1))
    words = "Ça va — 心 🌱\nline two"
    checkin = CheckIn.objects.create(user=partner_a, local_date=date(2026, 11, 2), helped=words)

    assert stored(CheckIn, "helped", empty.pk) == ""
    assert read(CheckIn, "helped", empty.pk) == ""
    assert read(CheckIn, "helped", checkin.pk) == words


def test_words_that_look_like_a_token_are_still_just_words(couple, partner_a):
    words = "enc1:this is what I typed"
    entry = ProgramEntry.objects.create(couple=couple, user=partner_a, exercise="x", text=words)

    assert read(ProgramEntry, "text", entry.pk) == words
    assert stored(ProgramEntry, "text", entry.pk) != words


def test_legacy_plain_text_is_still_read(couple, partner_a):
    entry = ProgramEntry.objects.create(couple=couple, user=partner_a, exercise="x", text="x")
    with connection.cursor() as cursor:
        cursor.execute("update repair_programentry set text = %s where id = %s", ["old", entry.pk])

    assert read(ProgramEntry, "text", entry.pk) == "old"


def test_updates_bulk_writes_and_values_lists_all_go_through_the_field(couple, partner_a):
    entry = ProgramEntry.objects.create(couple=couple, user=partner_a, exercise="x", text="first")
    entry.text = "second draft"
    entry.save(update_fields=["text"])
    CheckIn.objects.bulk_create([CheckIn(user=partner_a, local_date=date(2026, 1, 1), need="rest")])
    checkin = CheckIn.objects.get(user=partner_a)
    checkin.need = "rest, please"
    CheckIn.objects.bulk_update([checkin], ["need"])

    assert stored(ProgramEntry, "text", entry.pk).startswith(PREFIX)
    assert stored(CheckIn, "need", checkin.pk).startswith(PREFIX)
    assert list(ProgramEntry.objects.values_list("text", flat=True)) == ["second draft"]
    assert list(CheckIn.objects.values_list("need", flat=True)) == ["rest, please"]


def test_the_database_cannot_search_the_words_so_asking_fails_loudly(couple, partner_a):
    CheckIn.objects.create(user=partner_a, local_date=date(2026, 11, 1), helped="tea")

    for lookup in ({"helped": "tea"}, {"helped__icontains": "tea"}, {"helped__startswith": "t"}):
        with pytest.raises(FieldError, match=r"checkins\.CheckIn\.helped is encrypted"):
            CheckIn.objects.filter(**lookup).count()
    # Empty and null stay meaningful: nothing written is stored as nothing.
    assert CheckIn.objects.filter(helped="").count() == 0
    assert CheckIn.objects.exclude(helped="").count() == 1
    assert CheckIn.objects.filter(helped__isnull=True).count() == 0


def test_the_field_deconstructs_to_itself():
    field = CheckIn._meta.get_field("helped")
    _name, path, args, kwargs = field.deconstruct()

    assert path == "repair.lib.crypto.EncryptedTextField"
    assert kwargs == {"blank": True}
    assert isinstance(EncryptedTextField(*args, **kwargs), EncryptedTextField)


def test_the_reply_keeps_its_280_character_limit_in_the_form():
    form = AcknowledgeForm(data={"kind": AckKind.REPLY, "reply": "x" * 281})

    assert not form.is_valid()
    assert "reply" in form.errors


# --- keys: rotation and a wrong key -------------------------------------------------------------


def test_rotation_moves_every_value_to_the_newest_key(couple, partner_a, partner_b, settings):
    key_a, key_b = Fernet.generate_key(), Fernet.generate_key()
    use_keys(settings, key_a)
    rows = write_everything(couple, partner_a, partner_b)
    empty = CheckIn.objects.create(user=partner_b, local_date=date(2026, 11, 20))
    before = {
        (model, field): stored(model, field, rows[model.__name__].pk) for model, field in WORDS
    }

    use_keys(settings, key_b, key_a)  # a new key in front: new writes use it, old ones still read
    for (model, field), words in WORDS.items():
        assert read(model, field, rows[model.__name__].pk) == words
    fresh = GratitudeNote.objects.create(couple=couple, sender=partner_a, text="written after")
    Fernet(key_b).decrypt(stored(GratitudeNote, "text", fresh.pk)[len(PREFIX) :])

    out = run_rotate()
    assert "checkins.CheckIn (helped, appreciated, need): 3 values re-encrypted" in out
    assert "rituals.GratitudeNote (text): 1 values re-encrypted, 0 plain text encrypted, 1 " in out

    use_keys(settings, key_b)  # the old key dropped
    for (model, field), words in WORDS.items():
        pk = rows[model.__name__].pk
        assert read(model, field, pk) == words
        assert stored(model, field, pk) != before[(model, field)]
    assert read(CheckIn, "helped", empty.pk) == ""
    assert read(GratitudeNote, "text", fresh.pk) == "written after"

    again = run_rotate()  # idempotent: nothing left to do
    assert "checkins.CheckIn (helped, appreciated, need): 0 values re-encrypted" in again
    assert (
        "rituals.GratitudeNote (text): 0 values re-encrypted, 0 plain text encrypted, 2 " in again
    )


def test_rotation_also_encrypts_plain_text_left_over(couple, partner_a):
    entry = ProgramEntry.objects.create(couple=couple, user=partner_a, exercise="x", text="x")
    with connection.cursor() as cursor:
        cursor.execute(
            "update repair_programentry set text = 'legacy words' where id = %s", [entry.pk]
        )

    out = run_rotate()

    assert (
        "program.ProgramEntry (text, shared_text): 0 values re-encrypted, 1 plain text encrypted"
        in out
    )
    assert stored(ProgramEntry, "text", entry.pk).startswith(PREFIX)
    assert read(ProgramEntry, "text", entry.pk) == "legacy words"


def run_rotate(*args: str) -> str:
    out = StringIO()
    call_command("encryption_rotate", *args, stdout=out)
    return out.getvalue()


def test_a_wrong_key_fails_loudly_naming_the_field_and_never_the_words(
    couple, partner_a, settings, caplog
):
    words = "the words behind the quince tree"
    use_keys(settings, Fernet.generate_key())
    checkin = CheckIn.objects.create(user=partner_a, local_date=date(2026, 11, 23), helped=words)
    token = stored(CheckIn, "helped", checkin.pk)
    use_keys(settings, Fernet.generate_key())  # another deployment's key, or the right one lost

    with (
        caplog.at_level(logging.DEBUG),
        pytest.raises(FieldDecryptionError, match=r"checkins\.CheckIn\.helped") as raised,
    ):
        CheckIn.objects.get(pk=checkin.pk)

    assert "checkins.CheckIn.helped" in caplog.text
    for leak in (words, "quince", token, token[len(PREFIX) :][:20]):
        assert leak not in caplog.text
        assert leak not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_rotating_with_a_wrong_key_stops_naming_the_row_and_never_the_words(
    couple, partner_a, settings, caplog
):
    words = "the words behind the quince tree"
    use_keys(settings, Fernet.generate_key())
    checkin = CheckIn.objects.create(user=partner_a, local_date=date(2026, 11, 23), need=words)
    use_keys(settings, Fernet.generate_key())

    with pytest.raises(CommandError, match=rf"checkins\.CheckIn\.need \(pk {checkin.pk}\)"):
        run_rotate()

    assert words not in caplog.text
    assert "quince" not in caplog.text


# --- the data migrations ----------------------------------------------------------------------------


def test_the_migration_encrypts_old_rows_and_backwards_decrypts_them(transactional_db):
    a, b = make_user("Avery"), make_user("Blake")
    couple = make_couple(a, b)
    rows = write_everything(couple, a, b)
    checkins = [(CheckIn, "helped"), (CheckIn, "need"), (Acknowledgement, "reply")]
    try:
        call_command("migrate", "checkins", "0001", verbosity=0)
        for model, field in checkins:  # backwards: plain text again, the reply a varchar(280)
            assert stored(model, field, rows[model.__name__].pk) == WORDS[(model, field)]

        call_command("migrate", "checkins", verbosity=0)
    finally:
        call_command("migrate", verbosity=0)

    for model, field in checkins:
        pk = rows[model.__name__].pk
        assert stored(model, field, pk).startswith(PREFIX)
        assert read(model, field, pk) == WORDS[(model, field)]


# --- the "done means": a database dump reveals no words -----------------------------------


def pg_dump() -> str:
    """The test database, dumped as an operator would (data only), as text."""
    if shutil.which("pg_dump") is None:
        pytest.fail(
            "pg_dump is not installed: apt-get install postgresql-client (same major version)"
        )
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "--no-password", "-h", db["HOST"] or "127.0.0.1"]
    command += ["-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        pytest.fail(f"pg_dump failed (a version mismatch with the server?): {result.stderr}")
    return result.stdout


def test_a_database_dump_holds_none_of_the_couples_words(transactional_db):
    a = make_user("Avery", email="avery.dump@example.com")
    b = make_user("Blake")
    write_everything(make_couple(a, b), a, b)

    dump = pg_dump()

    assert "avery.dump@example.com" in dump  # the dump worked and holds the account data
    assert dump.count(PREFIX) >= len(WORDS)
    for words in WORDS.values():
        assert words not in dump
        for word in words.split():
            if len(word) > 7:  # the distinctive ones: greyhound, lighthouse, pumpernickel…
                assert word not in dump, word


def test_a_dump_after_the_demo_holds_none_of_the_demo_couples_words(transactional_db):
    call_command("demo", stdout=StringIO())
    demo_words = [
        *(line for lines in NOTES.values() for line in lines),
        "Thank you for telling me. I'm here.",
        "Thank you for making tea and sitting with me last night.",
    ]
    assert CheckIn.objects.exclude(helped="").exists()  # the demo did write notes

    dump = pg_dump()

    assert "sam@example.com" in dump
    leaked = [words for words in demo_words if words in dump]
    assert not leaked
