from __future__ import annotations

from celery import shared_task

from checkins import services


@shared_task(name="checkins.tasks.weekly_summaries")
def weekly_summaries() -> None:
    services.weekly_summaries_send()
