from django.db import migrations, models

SHAREABLE = (
    "safety",
    "closeness",
    "trust",
    "touch",
    "mood",
    "stress",
    "sleep",
    "helped",
    "appreciated",
    "need",
)


def forwards(apps, schema_editor):
    """Stress is asked as calm now, so 5 is the easy end like every other scale: each stored
    answer is turned round (1 <-> 5, 2 <-> 4). A check-in shared before sharing was chosen per
    question was shared whole by its author: it keeps every answer shared."""
    CheckIn = apps.get_model("checkins", "CheckIn")
    CheckIn.objects.filter(stress__isnull=False).update(stress=6 - models.F("stress"))
    CheckIn.objects.filter(visibility="shared").update(shared_fields=list(SHAREABLE))


def backwards(apps, schema_editor):
    CheckIn = apps.get_model("checkins", "CheckIn")
    CheckIn.objects.filter(stress__isnull=False).update(stress=6 - models.F("stress"))


class Migration(migrations.Migration):
    dependencies = [("checkins", "0005_drop_weekly_summary_claims")]

    operations = [
        migrations.AddField(
            model_name="checkin",
            name="shared_fields",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(forwards, backwards),
    ]
