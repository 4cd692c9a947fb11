from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from repair.demo import demo_couple_ensure


class Command(BaseCommand):
    help = "Create or refresh the demo couple (two paired partners) and print their new passwords."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_couple_ensure()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo couple ready. Sign in at " + settings.SITE_URL))
        for login in logins:
            self.stdout.write(f"  {login.name:<5}  {login.email:<18}  password: {login.password}")
        self.stdout.write("")
