from __future__ import annotations

from django.apps import AppConfig


class RepairConfig(AppConfig):
    name = "repair"
    verbose_name = "Couples and program"

    def ready(self) -> None:
        from repair import checks  # noqa: F401 (registers the system checks)
