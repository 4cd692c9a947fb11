from __future__ import annotations

from django.apps import AppConfig


class CouplesConfig(AppConfig):
    """The couple core: people, couples, invites, the safety check and pause notices.

    It keeps the app label ``repair`` it had before ``repair/`` was split into packages, so its
    tables (``repair_user``, ``repair_couple``, ...), its migration history and the user model's
    name (``AUTH_USER_MODEL = "repair.User"``) did not move."""

    name = "repair.couples"
    label = "repair"
    verbose_name = "Couples"
