from django.db import migrations

from repair.couples.migrations._revision_triggers import watch

COUPLE = "SELECT r.couple_id FROM {rows} AS r"


class Migration(migrations.Migration):
    """Scheduled rituals and gratitude notes move their couple's revision (repair/couples/migrations/_revision_triggers.py)."""

    dependencies = [
        ("rituals", "0002_encrypt_written_text"),
        ("repair", "0005_couple_revision"),
    ]

    operations = [
        watch(table="rituals_scheduledritual", columns=["couple_id"], couples=COUPLE),
        watch(table="rituals_gratitudenote", columns=["couple_id"], couples=COUPLE),
    ]
