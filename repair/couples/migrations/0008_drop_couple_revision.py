from django.db import migrations, models

from repair.couples.migrations._revision_triggers import unguard_couple_row, unwatch

# The same arguments as 0005 and 0006 gave watch(), so migrating backwards installs exactly those
# triggers again (after the column is back: operations run in reverse order).
COUPLE = "SELECT r.couple_id FROM {rows} AS r"


class Migration(migrations.Migration):
    """No page body is cached any more, so nothing is keyed by the couple's revision: drop the
    triggers that moved it and the column. The outer apps drop their own triggers first
    (checkins 0004 and rituals 0005 run before this one). Reversible: backwards, the column comes
    back at 0 and the triggers are installed again as 0005 and 0006 made them."""

    dependencies = [
        ("repair", "0007_maps_rounds_and_shared_copies"),
    ]

    operations = [
        unwatch(
            table="repair_commitment",
            columns=["conversation_id"],
            couples=(
                "SELECT c.couple_id FROM repair_conversation AS c JOIN {rows} AS r "
                "ON c.id = r.conversation_id"
            ),
        ),
        unwatch(table="repair_conversation", columns=["couple_id"], couples=COUPLE),
        unwatch(table="repair_agreementversion", columns=["couple_id"], couples=COUPLE),
        unwatch(table="repair_practicelog", columns=["couple_id"], couples=COUPLE),
        unwatch(table="repair_stagereadiness", columns=["couple_id"], couples=COUPLE),
        unwatch(table="repair_exercisecompletion", columns=["couple_id"], couples=COUPLE),
        unwatch(table="repair_pausenotice", columns=["couple_id"], couples=COUPLE),
        unwatch(table="repair_membership", columns=["couple_id"], couples=COUPLE),
        unguard_couple_row(),
        migrations.RemoveField(model_name="couple", name="revision"),
    ]
