from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from checkins import demo as checkin_demo
from repair.couples.demo import demo_couple_ensure
from repair.couples.models import User
from rituals import demo as ritual_demo


class Command(BaseCommand):
    help = "Create or refresh the demo couple (two paired partners) and print their new passwords."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_couple_ensure()
        users = [User.objects.get(email=login.email) for login in logins]
        checkin_demo.seed(users=users)
        ritual_demo.seed(users=users)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo couple ready. Sign in at " + settings.SITE_URL))
        for login in logins:
            self.stdout.write(f"  {login.name:<5}  {login.email:<18}  password: {login.password}")
        self.stdout.write("")
