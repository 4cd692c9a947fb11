from __future__ import annotations

from django.apps import AppConfig


class RepairConfig(AppConfig):
    name = "repair"
    verbose_name = "Couples and program"

    def ready(self) -> None:
        # Imported here: the apps are not loaded yet when this module is imported.
        from django.contrib.auth.signals import user_logged_out

        from repair.middleware import note_signed_out

        user_logged_out.connect(note_signed_out, dispatch_uid="repair.note_signed_out")
        from repair import checks  # noqa: F401 (registers the system checks)
