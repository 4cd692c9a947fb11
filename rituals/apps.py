from __future__ import annotations

from django.apps import AppConfig


class RitualsConfig(AppConfig):
    name = "rituals"

    def ready(self) -> None:
        # Imported here: models are not ready when this module is imported.
        from repair.couples.signals import time_zone_changed
        from rituals.reminders.sync import on_time_zone_changed

        time_zone_changed.connect(on_time_zone_changed, dispatch_uid="rituals.time_zone_changed")
