# The private "how would you describe your part" choice in Settings: the program no longer reads it
# (whose hurt the work is about is agreed together, repair/program RolesRound), so it goes, with what
# people had chosen in it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('repair', '0015_user_is_therapist'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='user',
            name='self_description',
        ),
    ]
