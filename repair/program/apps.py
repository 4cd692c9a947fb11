from __future__ import annotations

from django.apps import AppConfig


class ProgramConfig(AppConfig):
    """The staged program: its content (``content.py`` and the TOML files beside it) and the rows
    of what each couple did in it."""

    name = "repair.program"
    label = "program"
    verbose_name = "Program"
