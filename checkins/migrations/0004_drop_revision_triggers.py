from django.db import migrations

from repair.couples.migrations._revision_triggers import unwatch

# The same arguments as checkins 0003 gave watch(), so migrating backwards installs exactly those
# triggers again.
ACTIVE_COUPLE_OF = (
    "SELECT m.couple_id FROM repair_membership AS m JOIN {rows} AS r ON m.user_id = r.%s "
    "WHERE m.left_at IS NULL"
)


class Migration(migrations.Migration):
    """Check-ins and acknowledgements no longer move a couple revision: no page is cached under
    one any more. Runs before repair drops the column, which on SQLite rebuilds the couple table
    and refuses while a trigger anywhere still names the column."""

    dependencies = [
        ("checkins", "0003_today_revision"),
    ]
    run_before = [
        ("repair", "0008_drop_couple_revision"),
    ]

    operations = [
        unwatch(
            table="checkins_checkin",
            columns=["couple_id", "user_id"],
            couples="SELECT r.couple_id FROM {rows} AS r UNION " + ACTIVE_COUPLE_OF % "user_id",
        ),
        unwatch(
            table="checkins_acknowledgement",
            columns=["checkin_id", "by_id"],
            couples=(
                "SELECT c.couple_id FROM checkins_checkin AS c JOIN {rows} AS r "
                "ON c.id = r.checkin_id UNION " + ACTIVE_COUPLE_OF % "by_id"
            ),
        ),
    ]
