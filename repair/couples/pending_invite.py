"""The invite a signed-out person opened, remembered in their session across sign-up, the emailed
code and the safety check, so they land back on it even when ``?next=`` is lost.

The session (a database row and its Redis copy) holds the invite's id and the SHA-256 of its
token, which the database stores anyway: enough to find the invite again for this browser, never
enough to open it from anywhere else. The raw token lives only in the link."""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase

from repair.couples import selectors
from repair.couples.models import Invite

SESSION_KEY = "pending_invite"
# A couple's therapist's invitation, remembered the same way (repair/therapists/pending.py). Named
# here so that sign-up, which belongs to this layer, can speak to a therapist as one.
THERAPIST_SESSION_KEY = "pending_therapist_invite"


def pending_invite_remember(*, session: SessionBase, invite: Invite) -> None:
    session[SESSION_KEY] = {"invite": invite.pk, "sha256": invite.token_hash}


def pending_invite_exists(*, session: SessionBase) -> bool:
    return SESSION_KEY in session


def pending_invite_forget(*, session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)


def pending_therapist_invite_exists(*, session: SessionBase) -> bool:
    return THERAPIST_SESSION_KEY in session


def pending_invite_find(*, session: SessionBase) -> Invite | None:
    """The remembered invite, whatever its status now, or None."""
    value = session.get(SESSION_KEY)
    found = None
    if isinstance(value, str):
        # A session from before this rule holds the raw token: swap it for what may be kept.
        found = selectors.invite_for_token(token=value)
    elif isinstance(value, dict):
        invite_id, digest = value.get("invite"), value.get("sha256")
        if isinstance(invite_id, int) and isinstance(digest, str):
            found = selectors.invite_for_digest(invite_id=invite_id, token_sha256=digest)
    if found is None:
        pending_invite_forget(session=session)
    else:
        pending_invite_remember(session=session, invite=found)
    return found
