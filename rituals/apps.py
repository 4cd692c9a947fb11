from __future__ import annotations

from django.apps import AppConfig


class RitualsConfig(AppConfig):
    name = "rituals"

    def ready(self) -> None:
        # Imported here: models are not ready when this module is imported.
        from checkins.signals import preferences_changed
        from repair.couples.signals import time_zone_changed
        from rituals.reminders.sync import on_settings_changed

        # Either change moves what is scheduled in the person's local time, the weekly summary too.
        time_zone_changed.connect(on_settings_changed, dispatch_uid="rituals.time_zone_changed")
        preferences_changed.connect(on_settings_changed, dispatch_uid="rituals.preferences_changed")
