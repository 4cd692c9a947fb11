from __future__ import annotations

from django.apps import AppConfig


class RitualsConfig(AppConfig):
    name = "rituals"
