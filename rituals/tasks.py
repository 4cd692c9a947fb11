"""Reminder tasks: thin, taking ids. Never ETA or countdown tasks (Redis redelivers those after the
visibility timeout); beat runs ``reminders_tick`` once a minute and that is the only schedule."""

from __future__ import annotations

from celery import shared_task

from rituals import reminders


@shared_task(name="rituals.tasks.reminders_tick")
def reminders_tick() -> None:
    reminders.tick()


@shared_task(name="rituals.tasks.send_reminders")
def send_reminders(send_ids: list[int]) -> None:
    reminders.send(send_ids=send_ids)
