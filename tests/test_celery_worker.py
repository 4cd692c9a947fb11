"""Real Celery workers: one over Redis running a task this process enqueued, and the ``make run`` setup
(worker + embedded beat on kombu's filesystem transport, no broker server) firing the beat schedule.

The workers are separate processes pointed at the test database, so these tests use
``transactional_db``: rows are committed and each side sees the other's writes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from repair.celery import app
from rituals.models import Heartbeat
from rituals.tasks import heartbeat
from tests.workers import running_worker, wait_until, worker_database_url, worker_env

pytestmark = pytest.mark.worker

WAIT_SECONDS = 30.0


@pytest.fixture
def private_queue(redis_url: str) -> Iterator[str]:
    """A queue (and worker node name) no other run uses, so a message left over elsewhere can
    neither satisfy nor block the test. Its keys are removed from Redis afterwards."""
    name = f"test-worker-{uuid.uuid4().hex[:12]}"
    yield name
    with redis.Redis.from_url(redis_url, socket_timeout=3) as client:
        for key in client.scan_iter(match=f"*{name}*"):
            client.delete(key)
        # kombu's exchange bindings (celery.pidbox, the queue's own) are sets of "key|pattern|queue".
        for key in client.scan_iter(match="_kombu.binding.*", _type="SET"):
            stale = [m for m in client.smembers(key) if name.encode() in m]
            if stale:
                client.srem(key, *stale)


def _heartbeat() -> Heartbeat | None:
    return Heartbeat.objects.filter(name="beat").first()


def test_worker_runs_a_task_end_to_end_over_redis(
    transactional_db: None, redis_url: str, private_queue: str, tmp_path: Path
):
    Heartbeat.objects.all().delete()
    env = worker_env(
        DATABASE_URL=worker_database_url(),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=str(app.conf.broker_url),
        VAR_DIR=str(tmp_path / "var"),
    )
    args = [
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--queues={private_queue}",
        f"--hostname={private_queue}@%h",
    ]

    with running_worker(args, env=env, log_path=tmp_path / "worker.log") as worker:
        # The task is sent by the Django-configured app, and not run in place: eager mode would
        # run it right here and prove nothing about the worker.
        assert heartbeat.app is app
        assert not app.conf.task_always_eager
        sent_at = timezone.now()
        # heartbeat.delay(), routed to this test's own queue.
        result = heartbeat.apply_async(queue=private_queue)

        row = wait_until(
            _heartbeat,
            timeout=WAIT_SECONDS,
            describe=lambda: f"no Heartbeat row written by the {worker.describe()}",
        )
        # This worker ran this very message (not a leftover, not this process).
        worker.wait_for_output(rf"Task repair\.tasks\.heartbeat\[{result.id}\] succeeded")

    assert row.beat_at >= sent_at


def test_local_run_fires_beat_on_the_filesystem_broker_without_redis(
    transactional_db: None, tmp_path: Path
):
    """``make run``: ``celery worker --beat`` with no REDIS_URL, so the broker is kombu's
    filesystem transport under VAR_DIR; nothing in this process enqueues anything."""
    Heartbeat.objects.all().delete()
    var_dir = tmp_path / "var"
    env = worker_env(
        DATABASE_URL=worker_database_url(),
        REDIS_URL=None,
        CELERY_BROKER_URL=None,
        VAR_DIR=str(var_dir),
        HEARTBEAT_SECONDS="2",
    )
    args = ["--beat", "--concurrency=1", "--loglevel=INFO", "--hostname=local-run@%h"]

    with running_worker(args, env=env, log_path=tmp_path / "worker.log") as worker:
        first = wait_until(
            _heartbeat,
            timeout=WAIT_SECONDS,
            describe=lambda: f"beat never got a heartbeat run: the {worker.describe()}",
        )
        # A second tick: the schedule repeats, it did not just fire once at start-up.
        wait_until(
            lambda: (row := _heartbeat()) is not None and row.beat_at > first.beat_at,
            timeout=WAIT_SECONDS,
            describe=lambda: f"beat fired once but not again: the {worker.describe()}",
        )
        output = worker.output()
        # A warm shutdown waits on the embedded beat for several seconds; nothing here needs it.
        worker.kill()

    assert "transport:   filesystem://" in output, output
    assert "redis://" not in output, output
    assert "Scheduler: Sending due task heartbeat (repair.tasks.heartbeat)" in output, output
    assert re.search(r"Task repair\.tasks\.heartbeat\[[0-9a-f-]+\] succeeded", output), output
    assert (var_dir / "celery" / "queue").is_dir()


def test_tasks_use_json_only_and_ack_late(redis_url: str):
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert not conf.task_always_eager
    assert conf.task_soft_time_limit
    assert conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    # Redis hands an unacknowledged message to another worker after the visibility timeout: it
    # must outlast any task, or a slow task would run twice at once.
    options = conf.broker_transport_options
    assert options.get("visibility_timeout", 0) > conf.task_time_limit, options

    # Every periodic task is listed here on purpose: adding one means updating this test.
    assert conf.beat_schedule == {
        "heartbeat": {
            "task": "repair.tasks.heartbeat",
            "schedule": float(settings.HEARTBEAT_SECONDS),
        },
        "reminders-tick": {"task": "rituals.tasks.reminders_tick", "schedule": 60.0},
    }
    app.loader.import_default_modules()
    for entry in conf.beat_schedule.values():
        assert entry["task"] in app.tasks, f"beat schedules an unknown task: {entry['task']}"
