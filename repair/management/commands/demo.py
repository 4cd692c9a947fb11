from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import module_has_submodule

from repair.demo import demo_couple_ensure
from repair.models import User


class Command(BaseCommand):
    help = "Create or refresh the demo couple (two paired partners) and print their new passwords."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_couple_ensure()
        users = [User.objects.get(email=login.email) for login in logins]
        # Apps that build on the couple core add their own demo data in <app>/demo.py: seed(users=).
        for config in apps.get_app_configs():
            if config.name != "repair" and module_has_submodule(config.module, "demo"):
                import_module(f"{config.name}.demo").seed(users=users)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo couple ready. Sign in at " + settings.SITE_URL))
        for login in logins:
            self.stdout.write(f"  {login.name:<5}  {login.email:<18}  password: {login.password}")
        self.stdout.write("")
