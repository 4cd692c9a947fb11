from django.db import migrations, models


def missed_becomes_let_go(apps, schema_editor):
    """A day is kept or let go, never "missed": an old "missed" mark is now "let go" (the value
    "skipped"), the gentlest thing it could have meant."""
    apps.get_model("rituals", "OccurrenceMark").objects.filter(status="missed").update(
        status="skipped"
    )


class Migration(migrations.Migration):
    dependencies = [("rituals", "0007_heartbeat")]

    operations = [
        migrations.RunPython(missed_becomes_let_go, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="occurrencemark",
            name="status",
            field=models.CharField(
                choices=[("kept", "kept"), ("skipped", "let go")], max_length=10
            ),
        ),
    ]
