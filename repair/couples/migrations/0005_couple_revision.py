from django.db import migrations, models

from repair.couples.migrations._revision_triggers import guard_couple_row, watch

COUPLE = "SELECT r.couple_id FROM {rows} AS r"


class Migration(migrations.Migration):
    """The couple's revision, and the triggers that move it for the core's own tables that the
    Today page reads: the pause notice, program progress and the couple's memberships."""

    dependencies = [
        ("repair", "0004_encrypt_written_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="couple",
            name="revision",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        guard_couple_row(),
        watch(table="repair_membership", columns=["couple_id"], couples=COUPLE),
        watch(table="repair_pausenotice", columns=["couple_id"], couples=COUPLE),
        watch(table="repair_exercisecompletion", columns=["couple_id"], couples=COUPLE),
        watch(table="repair_stagereadiness", columns=["couple_id"], couples=COUPLE),
        watch(table="repair_practicelog", columns=["couple_id"], couples=COUPLE),
    ]
