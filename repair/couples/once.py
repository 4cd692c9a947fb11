"""One-time submission keys: a create runs once per form shown, however often that form is sent.

Each create form carries a hidden key (a fresh UUID4 whenever the form is drawn: ``{% once_field %}``
in ``repair.templatetags.once``). The service claims ``(person, purpose, key)`` in the
``Submission`` table inside the same transaction as the create. The first claim inserts the row;
a repeat finds it taken and gets the first result's id back, so the person sees the same success
page and nothing is made twice. A repeat sent while the first is still running waits on the unique
index until the first commits (then it is a repeat) or rolls back (then it is the first), which is
why twenty parallel taps make exactly one row. A create that fails takes its claim down with it, so
the same form can be corrected and sent again.

A request without a key (a tab opened before this existed, a hand-made POST) claims nothing: each
service then falls back to its own natural rule (an agreement identical to your latest version is
not a new version; the same note twice within a few minutes is one note...), under a row lock.
Imports nothing from the outer apps."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from repair.couples.models import Submission, User

FIELD = "once"
# Keys are kept this long: far longer than any retry, back button or reopened tab.
KEEP = timedelta(days=30)


def key_new() -> str:
    return str(uuid.uuid4())


def key_from(data: Mapping[str, object]) -> uuid.UUID | None:
    """The key a form was sent with, or None when it has none (or something that isn't one)."""
    raw = data.get(FIELD)
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@dataclass
class Claim:
    submission_id: int | None
    # For a repeat: True, and the id the first submission recorded (None if it records none).
    repeat: bool = False
    first_result: int | None = None

    def first_of[M: models.Model](self, rows: models.QuerySet[M]) -> M | None:
        """For a repeat, what the first submission made, looked for among ``rows``."""
        if not self.repeat or self.first_result is None:
            return None
        return rows.filter(pk=self.first_result).first()

    def record(self, result_id: int) -> None:
        """Note what the first submission made, for its repeats to find."""
        if self.submission_id is not None and not self.repeat:
            Submission.objects.filter(pk=self.submission_id).update(result_id=result_id)


def claim(*, user: User, purpose: str, key: uuid.UUID | None, now: datetime | None = None) -> Claim:
    """Claim ``key`` for ``purpose``. Call it inside the create's own transaction, before the
    create: the claim must commit or roll back with it."""
    if key is None:
        return Claim(submission_id=None)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("once.claim belongs inside the create's transaction")
    try:
        with transaction.atomic():
            row = Submission.objects.create(
                user=user, purpose=purpose, key=key, created_at=now or timezone.now()
            )
    except IntegrityError:
        # Taken: by a submission that has committed by now (the insert waited for it).
        first = Submission.objects.get(user=user, purpose=purpose, key=key)
        return Claim(submission_id=first.pk, repeat=True, first_result=first.result_id)
    return Claim(submission_id=row.pk)


def submissions_forget(*, now: datetime | None = None) -> int:
    """Drop keys older than ``KEEP``; a form that old is drawn again before it is sent."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _ = Submission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
