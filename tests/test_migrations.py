"""Moving the program's models out of the couple core (repair 0010, program 0001, rituals 0007) keeps
every row: the tables keep their names and only Django's idea of which app owns them changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from repair.lib.crypto import EncryptedTextField

OLD_STATE = [
    ("repair", "0009_submission_keys"),
    ("rituals", "0006_reminder_retries_and_weekly_summary"),
]
BEFORE: list[tuple[str, str | None]] = [*OLD_STATE, ("program", None)]


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_written_words_and_content_types_survive_the_move_out_of_the_couple_core():
    old = _migrate(BEFORE).loader.project_state(OLD_STATE).apps
    User = old.get_model("repair", "User")
    Couple = old.get_model("repair", "Couple")
    avery = User.objects.create(email="avery@example.com", display_name="Avery")
    couple = Couple.objects.create()
    old_entry = old.get_model("repair", "ProgramEntry").objects.create(
        couple=couple, user=avery, exercise="safety-why-here", text="sealed"
    )
    old.get_model("repair", "Heartbeat").objects.create(name="beat", beat_at="2026-12-01T10:00Z")
    ContentType = old.get_model("contenttypes", "ContentType")
    ContentType.objects.get_or_create(app_label="repair", model="programentry")
    ContentType.objects.filter(app_label="program").delete()
    # Written through the historical field: what is in the table is the sealed form.
    with connection.cursor() as cursor:
        cursor.execute("select text from repair_programentry where id = %s", [old_entry.pk])
        (stored,) = cursor.fetchone()
    assert stored != "sealed"

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(latest)

    from repair.program.models import ProgramEntry  # the current model, after the move
    from rituals.models import Heartbeat  # likewise

    entry = ProgramEntry.objects.get(pk=old_entry.pk)
    assert entry.text == "sealed"
    assert entry.user_id == avery.pk
    assert Heartbeat.objects.get(name="beat").beat_at.year == 2026
    assert ProgramEntry._meta.db_table == "repair_programentry"
    assert isinstance(ProgramEntry._meta.get_field("text"), EncryptedTextField)
    assert ContentType.objects.filter(app_label="program", model="programentry").exists()
    assert not ContentType.objects.filter(app_label="repair", model="programentry").exists()
