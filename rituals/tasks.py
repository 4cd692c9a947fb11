"""Reminder tasks: thin, taking ids. Never ETA or countdown tasks (Redis redelivers those after the
visibility timeout); beat runs ``reminders_tick`` once a minute and that is the only schedule. The
tick enqueues ``send_reminders`` by its name, so this module imports the steps and not the other
way round."""

from __future__ import annotations

from celery import shared_task

from repair.couples import once
from rituals.reminders.health import heartbeat_record
from rituals.reminders.send import send
from rituals.reminders.tick import tick


@shared_task(name="rituals.tasks.reminders_tick")
def reminders_tick() -> None:
    tick()


@shared_task(name="rituals.tasks.send_reminders")
def send_reminders(send_ids: list[int]) -> None:
    send(send_ids=send_ids)


# The name is older than this module (it was the couple core's), kept so a queued one still runs.
@shared_task(name="repair.tasks.heartbeat")
def heartbeat() -> None:
    """Run by beat every minute; records that beat and a worker are both alive."""
    heartbeat_record(name="beat")
    # Old one-time form keys go here: one indexed delete a minute, usually of nothing.
    once.submissions_forget()
