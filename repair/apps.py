from __future__ import annotations

from django.apps import AppConfig


class RepairConfig(AppConfig):
    name = "repair"
    verbose_name = "Couples and program"
