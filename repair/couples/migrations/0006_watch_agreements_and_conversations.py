from django.db import migrations

from repair.couples.migrations._revision_triggers import watch

COUPLE = "SELECT r.couple_id FROM {rows} AS r"


class Migration(migrations.Migration):
    """The calendar is kept under the couple's revision too: agreement versions (review dates),
    conversations and their commitment notes move it (repair/couples/migrations/_revision_triggers.py)."""

    dependencies = [
        ("repair", "0005_couple_revision"),
    ]

    operations = [
        watch(table="repair_agreementversion", columns=["couple_id"], couples=COUPLE),
        watch(table="repair_conversation", columns=["couple_id"], couples=COUPLE),
        watch(
            table="repair_commitment",
            columns=["conversation_id"],
            couples=(
                "SELECT c.couple_id FROM repair_conversation AS c JOIN {rows} AS r "
                "ON c.id = r.conversation_id"
            ),
        ),
    ]
