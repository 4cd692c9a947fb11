"""Celery tasks of the couple core. Thin: they take ids (or nothing) and call a service."""

from __future__ import annotations

from celery import shared_task

from repair import once, services


@shared_task(name="repair.tasks.heartbeat")
def heartbeat() -> None:
    """Run by beat every minute; records that beat and a worker are both alive."""
    services.heartbeat_record(name="beat")
    # Old one-time form keys go here: one indexed delete a minute, usually of nothing.
    once.submissions_forget()
