"""The therapist invitation a signed-out person opened, remembered in their session across sign-up
and the emailed code (as repair/couples/pending_invite.py does for a partner's invite): its id and
the SHA-256 of its token, never the token."""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase

from repair.couples.pending_invite import THERAPIST_SESSION_KEY
from repair.therapists import selectors
from repair.therapists.models import TherapistAccess

SESSION_KEY = THERAPIST_SESSION_KEY


def pending_remember(*, session: SessionBase, access: TherapistAccess) -> None:
    session[SESSION_KEY] = {"access": access.pk, "sha256": access.token_hash}


def pending_exists(*, session: SessionBase) -> bool:
    return SESSION_KEY in session


def pending_forget(*, session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


def pending_find(*, session: SessionBase) -> TherapistAccess | None:
    value = session.get(SESSION_KEY)
    found = None
    if isinstance(value, dict):
        access_id, digest = value.get("access"), value.get("sha256")
        if isinstance(access_id, int) and isinstance(digest, str):
            found = selectors.access_for_digest(access_id=access_id, token_sha256=digest)
    if found is None:
        pending_forget(session=session)
    return found
