from django.db import migrations

from repair.couples.migrations._revision_triggers import unwatch

# The same arguments as rituals 0003 and 0004 gave watch(), so migrating backwards installs exactly
# those triggers again.
COUPLE = "SELECT r.couple_id FROM {rows} AS r"


class Migration(migrations.Migration):
    """Rituals, gratitude notes and marks no longer move a couple revision: no page is cached
    under one any more. Runs before repair drops the column, which on SQLite rebuilds the couple
    table and refuses while a trigger anywhere still names the column."""

    dependencies = [
        ("rituals", "0004_watch_occurrence_marks"),
    ]
    run_before = [
        ("repair", "0008_drop_couple_revision"),
    ]

    operations = [
        unwatch(
            table="rituals_occurrencemark",
            columns=["ritual_id"],
            couples=(
                "SELECT s.couple_id FROM rituals_scheduledritual AS s JOIN {rows} AS r "
                "ON s.id = r.ritual_id"
            ),
        ),
        unwatch(table="rituals_gratitudenote", columns=["couple_id"], couples=COUPLE),
        unwatch(table="rituals_scheduledritual", columns=["couple_id"], couples=COUPLE),
    ]
