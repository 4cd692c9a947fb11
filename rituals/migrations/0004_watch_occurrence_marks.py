from django.db import migrations

from repair.couples.migrations._revision_triggers import watch


class Migration(migrations.Migration):
    """Marks on rituals (kept, skipped, missed) move the couple's revision, for the calendar
    (repair/couples/migrations/_revision_triggers.py)."""

    dependencies = [
        ("rituals", "0003_today_revision"),
    ]

    operations = [
        watch(
            table="rituals_occurrencemark",
            columns=["ritual_id"],
            couples=(
                "SELECT s.couple_id FROM rituals_scheduledritual AS s JOIN {rows} AS r "
                "ON s.id = r.ritual_id"
            ),
        ),
    ]
