from __future__ import annotations

from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The composition: the one package that imports every app, for the pages and tools made of
    them all (Today, the calendar, Pause, my data, the admin, the demo)."""

    name = "repair.home"
    label = "home"
    verbose_name = "Home"

    def ready(self) -> None:
        # Signal wiring and system checks are registered when the app registry is ready, not at import.
        from django.contrib.auth.signals import user_logged_out  # wiring at ready(), not import

        from repair import checks  # noqa: F401 (registers the system checks)
        from repair.middleware import note_signed_out  # wiring at ready(), not import

        user_logged_out.connect(note_signed_out, dispatch_uid="repair.note_signed_out")
