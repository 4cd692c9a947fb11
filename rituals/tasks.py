"""Reminder tasks: thin, taking ids. Never ETA or countdown tasks (Redis redelivers those after the
visibility timeout); beat runs ``reminders_tick`` once a minute and that is the only schedule. The
tick enqueues ``send_reminders`` by its name, so this module imports the steps and not the other
way round."""

from __future__ import annotations

from celery import shared_task

from rituals.reminders.send import send
from rituals.reminders.tick import tick


@shared_task(name="rituals.tasks.reminders_tick")
def reminders_tick() -> None:
    tick()


@shared_task(name="rituals.tasks.send_reminders")
def send_reminders(send_ids: list[int]) -> None:
    send(send_ids=send_ids)
