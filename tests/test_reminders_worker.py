"""Reminders sent exactly once by real Celery workers over real Redis to a real SMTP server.

tests/test_reminders.py proves the claims in one process with threads and the locmem outbox. Here the
failures are the real ones: the same message handed to two worker processes, a worker SIGKILLed in
the middle of a batch, a mail server answering "try again later", and two beats ticking from two OS
processes. Each test counts what the SMTP server (tests/smtp_sink.py) accepted, per recipient, and
checks the ``ReminderSend`` rows.

The workers are separate processes on the test database, hence ``transactional_db``. Each test has a
Celery queue of its own, and the sends are routed there by the ``enqueue`` given to ``tick``.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db.models import Count, F
from django.utils import timezone

from repair.celery import app
from repair.couples.models import User
from rituals import reminders
from rituals.models import Reminder, ReminderKind, ReminderSend, ReminderSettings, SendStatus
from rituals.tasks import send_reminders
from tests.smtp_sink import Sink, smtp_sink
from tests.workers import (
    PROJECT_DIR,
    Worker,
    running_worker,
    start_worker,
    wait_until,
    worker_database_url,
    worker_env,
)

pytestmark = pytest.mark.worker

WAIT_SECONDS = 60.0


# --- fixtures and helpers ----------------------------------------------------------------------------


@pytest.fixture
def private_queue(redis_url: str) -> Iterator[str]:
    """A queue (and worker node names) no other run uses. Its keys, its bindings and any message of
    it a killed worker left unacknowledged are removed from the broker afterwards."""
    name = f"test-reminders-{uuid.uuid4().hex[:12]}"
    yield name
    with redis.Redis.from_url(str(app.conf.broker_url), socket_timeout=3) as client:
        for key in client.scan_iter(match=f"*{name}*"):
            client.delete(key)
        for key in client.scan_iter(match="_kombu.binding.*", _type="SET"):
            stale = [m for m in client.smembers(key) if name.encode() in m]
            if stale:
                client.srem(key, *stale)
        for tag, _raw in _unacked_of(client, name):
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


def _unacked_of(client: redis.Redis, queue: str) -> list[tuple[bytes | str, bytes | str]]:
    """The (delivery tag, raw message) pairs kombu holds as delivered-but-not-acknowledged for
    ``queue``: each is ``[payload, exchange, routing_key]`` in JSON."""
    return [
        (tag, raw) for tag, raw in client.hgetall("unacked").items() if json.loads(raw)[2] == queue
    ]


def _held(queue: str) -> dict[bytes | str, str]:
    """This queue's messages that a worker took and never acknowledged: delivery tag -> task id."""
    with redis.Redis.from_url(str(app.conf.broker_url), socket_timeout=3) as client:
        return {tag: json.loads(raw)[0]["headers"]["id"] for tag, raw in _unacked_of(client, queue)}


def _restore(tags: list[bytes | str]) -> None:
    """Put these unacknowledged messages back on their queue, exactly as kombu's
    ``restore_visible`` does once ``visibility_timeout`` has passed.

    A worker killed as a whole (main process included) can neither ack nor reject: Redis keeps the
    message in its unacked hash until the visibility timeout, an hour in settings.py, and then any
    worker restores it. The test does not wait the hour; it performs that restore, with kombu's own
    code, for the messages the dead worker held and no others (others may share the broker)."""
    with app.connection_for_write() as connection:
        channel: Any = connection.default_channel  # kombu's Redis channel: .qos, .client
        for tag in tags:
            channel.qos.restore_by_tag(tag, client=channel.client)


def _due_people(count: int, *, due: datetime) -> list[User]:
    """``count`` people with the check-in reminder on, all due at ``due``."""
    tag = uuid.uuid4().hex[:6]
    users = User.objects.bulk_create(
        [
            User(
                email=f"person.{n}.{tag}@example.com",
                display_name=f"Person {n}",
                time_zone="Europe/London",
                password="!",  # an unusable password; nobody signs in here
            )
            for n in range(count)
        ]
    )
    ReminderSettings.objects.bulk_create(
        [ReminderSettings(user=user, checkin_enabled=True) for user in users]
    )
    Reminder.objects.bulk_create(
        [Reminder(user=user, kind=ReminderKind.CHECKIN, next_due_at=due) for user in users]
    )
    return users


def _now_due() -> datetime:
    return timezone.now().replace(second=0, microsecond=0)


def _to_queue(
    queue: str, *, size: int = reminders.ENQUEUE_CHUNK, copies: int = 1, task_ids: list[str]
) -> Callable[[list[int]], None]:
    """An ``enqueue`` for ``tick``: ``send_reminders`` on this test's queue, in batches of ``size``
    ids, each batch sent ``copies`` times (a duplicate delivery)."""

    def enqueue(ids: list[int]) -> None:
        for start in range(0, len(ids), size):
            for _ in range(copies):
                result = send_reminders.apply_async(args=(ids[start : start + size],), queue=queue)
                task_ids.append(result.id)

    return enqueue


def _env(sink: Sink, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return worker_env(
        DATABASE_URL=worker_database_url(),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=str(app.conf.broker_url),
        VAR_DIR=str(tmp_path / "var"),
        **sink.env(),
    )


def _args(queue: str, node: str, *, pool: str = "solo") -> list[str]:
    return [
        f"--pool={pool}",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--queues={queue}",
        f"--hostname={queue}-{node}@%h",
    ]


def _statuses() -> dict[str, int]:
    return {
        row["status"]: row["n"]
        for row in ReminderSend.objects.values("status").annotate(n=Count("pk"))
    }


def _wait_for_statuses(expected: dict[str, int], *, sink: Sink, workers: list[Worker]) -> None:
    wait_until(
        lambda: _statuses() == expected,
        timeout=WAIT_SECONDS,
        describe=lambda: (
            f"sends are {_statuses()}, not {expected}; the sink accepted {len(sink.handler)} "
            f"and refused {sink.handler.refused}; "
            + "; ".join(worker.describe() for worker in workers)
        ),
    )


def _kill_during_next_rcpt(sink: Sink, *, delivered: int, kill: Callable[[], object]) -> None:
    """Once ``delivered`` emails have arrived, wait for the next RCPT to start and ``kill`` at once:
    the worker dies inside a message the sink has not received (the RCPT delay is 0.3 s; the kill
    takes microseconds), so it has no transfer it did not record."""
    wait_until(
        lambda: len(sink.handler) >= delivered,
        timeout=WAIT_SECONDS,
        describe=lambda: f"only {len(sink.handler)} emails arrived, waiting for {delivered}",
    )
    sink.handler.rcpt_started.clear()
    if not sink.handler.rcpt_started.wait(WAIT_SECONDS):
        pytest.fail("No worker started another message.")
    kill()


def _pool_child(worker: Worker) -> int:
    """The pid of the single prefork pool process of ``worker``."""

    def probe() -> int | None:
        path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        children = path.read_text().split() if path.exists() else []
        return int(children[0]) if len(children) == 1 else None

    return wait_until(
        probe, timeout=WAIT_SECONDS, describe=lambda: f"no pool process in the {worker.describe()}"
    )


def _assert_everyone_got_exactly_one(sink: Sink, people: list[User]) -> None:
    per_person = sink.handler.per_recipient()
    assert per_person == {person.email: 1 for person in people}, {
        address: n for address, n in per_person.items() if n != 1
    }
    assert len(sink.handler) == len(people)  # one recipient per message, no extra messages


# --- the tests ---------------------------------------------------------------------------------------


def test_a_message_delivered_twice_to_two_workers_sends_one_email(
    transactional_db: None, redis_url: str, private_queue: str, tmp_path: Path
):
    people = _due_people(20, due=_now_due())
    task_ids: list[str] = []
    # A short delay per RCPT keeps both workers inside the same batch at the same time.
    with smtp_sink(rcpt_delay=0.1) as sink:
        env = _env(sink, redis_url, tmp_path)
        with (
            running_worker(_args(private_queue, "a"), env=env, log_path=tmp_path / "a.log") as a,
            running_worker(_args(private_queue, "b"), env=env, log_path=tmp_path / "b.log") as b,
        ):
            # Both workers idle and waiting; the batch of 20 ids arrives twice, as a broker
            # redelivering a message (or a tick enqueueing twice) would hand it out.
            result = reminders.tick(
                now=timezone.now(), enqueue=_to_queue(private_queue, copies=2, task_ids=task_ids)
            )
            assert result.enqueued == len(people)
            assert len(task_ids) == 2

            _wait_for_statuses({SendStatus.SENT: len(people)}, sink=sink, workers=[a, b])
            # Each worker ran one of the two copies ...
            for worker in (a, b):
                worker.wait_for_output(
                    r"Task rituals\.tasks\.send_reminders\[[0-9a-f-]+\] succeeded"
                )
            ran = {task_id: [w for w in (a, b) if task_id in w.output()] for task_id in task_ids}
            assert sorted(len(workers) for workers in ran.values()) == [1, 1], ran
            assert ran[task_ids[0]] != ran[task_ids[1]], "one worker ran both copies"
            # ... at the same time: each sent part of the batch, over its own SMTP connection.
            assert len(sink.handler.per_connection()) == 2, sink.handler.per_connection()

    _assert_everyone_got_exactly_one(sink, people)
    # Each send was claimed once: the other worker's conditional update found it taken.
    assert set(ReminderSend.objects.values_list("attempts", flat=True)) == {1}


def test_a_worker_killed_mid_batch_sends_every_email_once_after_restart(
    transactional_db: None, redis_url: str, private_queue: str, tmp_path: Path
):
    """Two crashes, then recovery.

    1. The pool process running a batch is SIGKILLed: its parent sees the worker lost and, with
       ``acks_late`` + ``reject_on_worker_lost``, puts the message straight back; a new pool process
       runs it again and sends that batch's pending ones.
    2. The whole worker is SIGKILLed (``Worker.kill()``): nobody is left to reject, so the message
       stays unacknowledged in Redis until the visibility timeout hands it to a new worker.
    Each crash leaves the send it was in the middle of in ``sending``; after the lease, the tick
    puts those back on the queue and the new worker sends them.

    The RCPT delay means each kill lands before the message data was transferred, so the dead
    worker never delivered an email it had not recorded. The duplicate window that remains is
    between the server's 250 after DATA and the status update that follows it: a crash exactly
    there would, after the lease, send that one email again (docs/architecture.md, "Reminders")."""
    people = _due_people(30, due=_now_due())
    task_ids: list[str] = []
    with smtp_sink(rcpt_delay=0.3) as sink:
        env = _env(sink, redis_url, tmp_path)
        first = start_worker(
            _args(private_queue, "first", pool="prefork"), env=env, log_path=tmp_path / "first.log"
        )
        second: Worker | None = None
        try:
            reminders.tick(
                now=timezone.now(), enqueue=_to_queue(private_queue, size=10, task_ids=task_ids)
            )
            assert len(task_ids) == 3

            # 1. The pool process dies mid-batch; the parent requeues the message at once.
            child = _pool_child(first)
            _kill_during_next_rcpt(sink, delivered=3, kill=lambda: os.kill(child, signal.SIGKILL))
            first.wait_for_output(r"WorkerLostError")
            assert 3 <= len(sink.handler) < len(people)

            # 2. The whole worker dies mid-batch, main process and all.
            _kill_during_next_rcpt(sink, delivered=12, kill=first.kill)
            assert len(sink.handler) < len(people)
            held = _held(private_queue)
            # Late acks: the batch it was running was not acknowledged, so it is not lost.
            assert len(held) == 1, held
            assert set(held.values()) <= set(task_ids)

            # The visibility timeout passes (see _restore): that batch goes back on the queue, and
            # a new worker takes everything that is left.
            _restore(list(held))
            second = start_worker(
                _args(private_queue, "second"), env=env, log_path=tmp_path / "second.log"
            )
            for task_id in held.values():
                second.wait_for_output(
                    rf"Task rituals\.tasks\.send_reminders\[{task_id}\] succeeded"
                )
            # Everything is sent except the two sends each crash was in the middle of.
            _wait_for_statuses(
                {SendStatus.SENT: len(people) - 2, SendStatus.SENDING: 2},
                sink=sink,
                workers=[first, second],
            )
            assert len(sink.handler) == len(people) - 2

            # Six minutes later. The worker checks the lease against its own clock, so the dead
            # workers' claims must be six minutes old for it; the tick is given that time too.
            ReminderSend.objects.filter(status=SendStatus.SENDING).update(
                claimed_at=F("claimed_at") - timedelta(minutes=6)
            )
            late = reminders.tick(
                now=timezone.now() + timedelta(minutes=6),
                enqueue=_to_queue(private_queue, task_ids=task_ids),
            )
            assert late.requeued == 2
            _wait_for_statuses({SendStatus.SENT: len(people)}, sink=sink, workers=[second])
        finally:
            first.kill()
            if second is not None:
                second.stop()

    _assert_everyone_got_exactly_one(sink, people)
    # The two sends taken over after the lease were claimed twice, every other one once.
    attempts = ReminderSend.objects.values("attempts").annotate(n=Count("pk"))
    assert {row["attempts"]: row["n"] for row in attempts} == {1: len(people) - 2, 2: 2}


def test_a_temporarily_failing_mail_server_is_retried_without_duplicates(
    transactional_db: None, redis_url: str, private_queue: str, tmp_path: Path
):
    people = _due_people(10, due=_now_due())
    task_ids: list[str] = []
    with smtp_sink(refuse_first=3) as sink:
        env = _env(sink, redis_url, tmp_path)
        with running_worker(
            _args(private_queue, "only"), env=env, log_path=tmp_path / "worker.log"
        ) as worker:
            reminders.tick(now=timezone.now(), enqueue=_to_queue(private_queue, task_ids=task_ids))
            # First pass: the server said 451 to three messages; those sends are pending again.
            _wait_for_statuses(
                {SendStatus.SENT: len(people) - 3, SendStatus.PENDING: 3},
                sink=sink,
                workers=[worker],
            )
            worker.wait_for_output(r"Task rituals\.tasks\.send_reminders\[[0-9a-f-]+\] succeeded")
            assert sink.handler.refused == 3
            assert len(sink.handler) == len(people) - 3

            # Each waits a minute before its next attempt (the worker checks that against its own
            # clock, so the back-off is moved into the past for it, as the tick is given +3 min).
            retrying = ReminderSend.objects.filter(status=SendStatus.PENDING)
            assert all(row.next_attempt_at is not None for row in retrying)
            retrying.update(next_attempt_at=F("next_attempt_at") - timedelta(minutes=3))
            # A later tick finds them due again and enqueues them; the retry delivers.
            later = reminders.tick(
                now=timezone.now() + timedelta(minutes=3),
                enqueue=_to_queue(private_queue, task_ids=task_ids),
            )
            assert later.requeued == 3
            _wait_for_statuses({SendStatus.SENT: len(people)}, sink=sink, workers=[worker])

    assert sink.handler.refused == 3
    _assert_everyone_got_exactly_one(sink, people)
    attempts = ReminderSend.objects.values("attempts").annotate(n=Count("pk"))
    assert {row["attempts"]: row["n"] for row in attempts} == {1: len(people) - 3, 2: 3}


# Run by two OS processes at once: each sets Django up, says it is ready, waits for the go file,
# ticks with a small batch size and prints what it claimed and the send ids it would enqueue.
BEAT = """
import json, os, sys, time
from datetime import datetime

import django

django.setup()
from rituals import reminders

now, go = datetime.fromisoformat(sys.argv[1]), sys.argv[2]
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.002)
ids = []
result = reminders.tick(now=now, batch_size=10, enqueue=ids.extend)
print(json.dumps({"claimed": result.claimed, "enqueued": result.enqueued, "ids": ids}), flush=True)
"""


def test_two_beats_in_two_processes_make_one_send_per_occurrence(
    transactional_db: None, tmp_path: Path
):
    count = 200
    due = _now_due()
    _due_people(count, due=due)
    go = tmp_path / "go"
    env = worker_env(DATABASE_URL=worker_database_url())
    now = due + timedelta(seconds=5)
    beats = [
        subprocess.Popen(
            [sys.executable, "-c", BEAT, now.isoformat(), str(go)],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for beat in beats:
            assert beat.stdout is not None
            line = beat.stdout.readline()
            assert line.strip() == "ready", f"{line!r}; {beat.communicate(timeout=10)[1]}"
        go.touch()  # both start ticking together
        outputs = [beat.communicate(timeout=WAIT_SECONDS) for beat in beats]
    finally:
        for beat in beats:
            if beat.poll() is None:
                beat.kill()
                beat.wait()

    results = []
    for beat, (stdout, stderr) in zip(beats, outputs, strict=True):
        assert beat.returncode == 0, stderr
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    # No reminder claimed by both, none left out.
    assert sum(r["claimed"] for r in results) == count
    assert sum(r["enqueued"] for r in results) == count
    first, second = (set(r["ids"]) for r in results)
    assert not first & second
    assert first | second == set(ReminderSend.objects.values_list("pk", flat=True))
    assert ReminderSend.objects.count() == count
    assert ReminderSend.objects.values("reminder").distinct().count() == count
    assert not Reminder.objects.filter(next_due_at__lte=now).exists()


# A short lease for the tests below, in the workers and in this process's ticks alike: every
# attempt must end before half of it (0.25 s per socket operation).
SHORT_LEASE = "4"


def _tick_until(
    done: Callable[[], bool], *, queue: str, task_ids: list[str], describe: Callable[[], str]
) -> None:
    """Tick once a second, as beat would, until ``done()``: each tick re-enqueues claims older than
    the lease and sends whose back-off is over."""

    def probe() -> bool:
        if done():
            return True
        reminders.tick(now=timezone.now(), enqueue=_to_queue(queue, task_ids=task_ids))
        time.sleep(0.9)
        return False

    wait_until(probe, timeout=WAIT_SECONDS * 2, describe=describe)


# Kills the pool process it is given after a random delay of its own choosing, in a process of its
# own. From the test process, the kill would share a GIL with the SMTP sink's thread, so its moment
# could depend on the sink's own work (such as having just sent a 250): the very window the test
# counts. Here the delay runs out on a clock nothing else holds.
KILLER = """
import os, random, signal, sys, time

rng = random.Random()
for line in sys.stdin:
    pid, most = line.split()
    time.sleep(rng.uniform(0, float(most)))
    at = time.time()
    os.kill(int(pid), signal.SIGKILL)
    print(at, flush=True)
"""


@dataclass(frozen=True)
class Window:
    """Where a worker's time went while it was sending steadily (gaps over ``STEADY`` left out:
    a new pool process starting).

    ``cycle``: seconds from one accepted email to the next over the same connection.
    ``exposed``: of each cycle, the seconds in which a kill sends that email twice: from the server
    answering the DATA command (the worker sends the message when that 354 arrives) to its "sent"
    (``sent_at`` is read just before that statement goes out). It includes the 354's way to the
    worker, in which a kill is harmless, so it over-counts a little, which only makes the
    threshold below kinder.
    ``after_accept``: the part of it after the server accepted (its 250's way back, and the
    worker's steps up to the statement): what the worker's code adds."""

    emails: int
    cycle: float
    exposed: float
    after_accept: float

    @property
    def share(self) -> float:
        """The chance that a kill at a random moment of steady sending lands in the window."""
        return self.exposed / self.cycle


STEADY = 0.1


def _window(sink: Sink) -> Window:
    sent_at = {
        email: at.timestamp()
        for email, at in ReminderSend.objects.filter(status=SendStatus.SENT).values_list(
            "reminder__user__email", "sent_at"
        )
        if at is not None
    }
    once = {address for address, n in sink.handler.per_recipient().items() if n == 1}
    emails, cycle, exposed, after = 0, 0.0, 0.0, 0.0
    previous: dict[str, float] = {}
    for accepted in sink.handler.timeline:
        before = previous.get(accepted.connection)
        previous[accepted.connection] = accepted.accepted_at
        (address,) = accepted.recipients
        if before is None or accepted.accepted_at - before > STEADY or address not in once:
            continue
        emails += 1
        cycle += accepted.accepted_at - before
        exposed += sent_at[address] - accepted.data_started_at
        after += sent_at[address] - accepted.accepted_at
    assert cycle > 0, "no steady sending was measured"
    return Window(emails=emails, cycle=cycle, exposed=exposed, after_accept=after)


def _most_duplicates(kills: int, share: float, *, tail: float = 0.001) -> int:
    """The most duplicates ``kills`` independent kills make, each landing in the window with
    probability ``share``, but for a chance of ``tail`` (the binomial distribution's upper tail)."""
    above = 1.0
    for most in range(kills + 1):
        above -= math.comb(kills, most) * share**most * (1 - share) ** (kills - most)
        if above < tail:
            return most
    return kills


def test_a_storm_of_worker_kills_during_one_batch_sends_no_email_twice(
    transactional_db: None, redis_url: str, private_queue: str, tmp_path: Path, settings
):
    """SIGKILLs of the pool process at random moments of one batch. Each "sent" is committed the
    moment the server has answered, so a kill can only duplicate an email if it falls between the
    message data leaving the worker and that statement leaving it: the server's accept is inside
    that window, and no client can know it happened until its 250 arrives.

    The test measures that window against the time per email in this very run (the machine is
    shared, so both vary from run to run), and checks that (1) the window is the data transfer
    and its reply, not more: the "sent" waiting for anything else (the next email's claim or
    render, a QUIT) would make it most of each email's time, as it was when 8 in 15 kills sent
    someone a reminder twice; (2) the duplicates are no more than kills landing at random in
    that window would make."""
    settings.REMINDER_LEASE_SECONDS = int(SHORT_LEASE)
    kills = 20
    people = _due_people(600, due=_now_due())
    task_ids: list[str] = []
    killer = subprocess.Popen(
        [sys.executable, "-c", KILLER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    kill_times: list[float] = []
    # No delay in the server: the worker's own steps are most of each email's time, as in the
    # run that found 8 duplicates in 15 kills.
    with smtp_sink() as sink:
        env = {**_env(sink, redis_url, tmp_path), "REMINDER_LEASE_SECONDS": SHORT_LEASE}
        worker = start_worker(
            _args(private_queue, "storm", pool="prefork"), env=env, log_path=tmp_path / "w.log"
        )
        try:
            reminders.tick(
                now=timezone.now(), enqueue=_to_queue(private_queue, size=600, task_ids=task_ids)
            )
            killed: set[int] = set()
            assert killer.stdin is not None
            assert killer.stdout is not None
            for _ in range(kills):
                # A fresh pool process, sending steadily, then a kill at a random moment.
                def fresh_child() -> int | None:
                    pid = _pool_child(worker)
                    return None if pid in killed else pid

                child = wait_until(
                    fresh_child,
                    timeout=WAIT_SECONDS,
                    describe=lambda: f"no new pool process in the {worker.describe()}",
                )
                at = len(sink.handler)

                def sending(at: int = at) -> bool:
                    return len(sink.handler) >= at + 2

                wait_until(
                    sending,
                    timeout=WAIT_SECONDS,
                    describe=lambda: f"no progress after {len(sink.handler)} emails",
                )
                # Up to 20 ms: several emails' time, so the moment in an email's steps is random.
                killer.stdin.write(f"{child} 0.02\n")
                killer.stdin.flush()
                kill_times.append(float(killer.stdout.readline()))
                killed.add(child)
            assert len(sink.handler) < len(people), "the batch ended before the storm did"
            _tick_until(
                lambda: _statuses() == {SendStatus.SENT: len(people)},
                queue=private_queue,
                task_ids=task_ids,
                describe=lambda: f"sends are {_statuses()}; {worker.describe()}",
            )
        finally:
            worker.stop()
            killer.kill()
            killer.communicate()

    per_person = sink.handler.per_recipient()
    duplicates = sum(n - 1 for n in per_person.values() if n > 1)
    missing = [p.email for p in people if per_person[p.email] == 0]
    window = _window(sink)
    most = _most_duplicates(kills, window.share)
    accepts = sorted(a.accepted_at for a in sink.handler.timeline)
    since = [k - max((a for a in accepts if a <= k), default=k) for k in kill_times]
    sys.stderr.write(
        f"kill storm: {kills} kills, {duplicates} duplicates, {len(missing)} missing; "
        f"per email {window.cycle / window.emails * 1000:.2f} ms, "
        f"window {window.share:.1%} of it ({window.after_accept / window.cycle:.1%} after the "
        f"accept); at most {most} duplicates expected; kills "
        f"{sorted(round(x * 1000, 2) for x in since)} ms after an accept\n"
    )
    assert missing == []
    assert worker.output().count("WorkerLostError") >= kills
    # (1) From the 354 to the "sent", a worker sends the message and waits for the 250: one of an
    # email's four SMTP round trips, with its claim's commit, its render and the other three
    # outside. A third of an email's time is more than that leaves room for.
    assert window.share < 1 / 3, window
    # (2) Kills land at random moments, each in the window with the chance measured above.
    assert duplicates <= most, {address: n for address, n in per_person.items() if n > 1}


def test_a_mail_server_slower_than_the_lease_never_gets_an_email_twice(
    transactional_db: None, redis_url: str, private_queue: str, tmp_path: Path, settings
):
    """The server takes 6 s to answer RCPT, longer than the 4 s lease, and the workers are told
    EMAIL_TIMEOUT=30. Every attempt is still abandoned at 0.25 s per socket operation, long before
    the lease ends, so beat's ticks never hand a send in progress to the other worker (before, a
    very slow server got one person the same reminder five times). Once the server is quick
    again, each person gets exactly one email."""
    settings.REMINDER_LEASE_SECONDS = int(SHORT_LEASE)
    people = _due_people(6, due=_now_due())
    task_ids: list[str] = []
    with smtp_sink(rcpt_delay=6.0) as sink:
        env = {
            **_env(sink, redis_url, tmp_path),
            "REMINDER_LEASE_SECONDS": SHORT_LEASE,
            "EMAIL_TIMEOUT": "30",
        }
        with (
            running_worker(_args(private_queue, "a"), env=env, log_path=tmp_path / "a.log") as a,
            running_worker(_args(private_queue, "b"), env=env, log_path=tmp_path / "b.log") as b,
        ):
            reminders.tick(
                now=timezone.now(), enqueue=_to_queue(private_queue, copies=2, task_ids=task_ids)
            )
            _wait_for_statuses({SendStatus.PENDING: len(people)}, sink=sink, workers=[a, b])
            wait_until(
                lambda: not ReminderSend.objects.filter(attempts=0).exists(),
                timeout=WAIT_SECONDS,
                describe=lambda: "some sends were never attempted",
            )
            # Beat keeps ticking for longer than the lease: nothing is in flight to take over.
            deadline = time.monotonic() + 2 * int(SHORT_LEASE)
            _tick_until(
                lambda: time.monotonic() > deadline,
                queue=private_queue,
                task_ids=task_ids,
                describe=lambda: "the ticks did not finish",
            )
            assert len(sink.handler) == 0
            rows = list(ReminderSend.objects.all())
            assert {(r.status, r.reason) for r in rows} == {(SendStatus.PENDING, "unreachable")}
            assert all(r.next_attempt_at is not None for r in rows)

            # The server is quick again, and the back-off is over.
            sink.handler.rcpt_delay = 0.0
            ReminderSend.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
            _tick_until(
                lambda: _statuses() == {SendStatus.SENT: len(people)},
                queue=private_queue,
                task_ids=task_ids,
                describe=lambda: f"sends are {_statuses()}; {a.describe()}; {b.describe()}",
            )

    _assert_everyone_got_exactly_one(sink, people)
