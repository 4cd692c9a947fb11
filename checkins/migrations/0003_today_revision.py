from django.db import migrations

from repair.couples.migrations._revision_triggers import watch

# A check-in belongs to the couple it was written in and, through its author, to their couple now
# (Today reads "mine" by person and day). An acknowledgement, likewise, through its check-in and
# its author.
ACTIVE_COUPLE_OF = (
    "SELECT m.couple_id FROM repair_membership AS m JOIN {rows} AS r ON m.user_id = r.%s "
    "WHERE m.left_at IS NULL"
)


class Migration(migrations.Migration):
    """Check-ins and acknowledgements move their couple's revision (repair/couples/migrations/_revision_triggers.py)."""

    dependencies = [
        ("checkins", "0002_encrypt_written_text"),
        ("repair", "0005_couple_revision"),
    ]

    operations = [
        watch(
            table="checkins_checkin",
            columns=["couple_id", "user_id"],
            couples="SELECT r.couple_id FROM {rows} AS r UNION " + ACTIVE_COUPLE_OF % "user_id",
        ),
        watch(
            table="checkins_acknowledgement",
            columns=["checkin_id", "by_id"],
            couples=(
                "SELECT c.couple_id FROM checkins_checkin AS c JOIN {rows} AS r "
                "ON c.id = r.checkin_id UNION " + ACTIVE_COUPLE_OF % "by_id"
            ),
        ),
    ]
