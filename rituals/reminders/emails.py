"""Step 4, the emails: what a reminder says, and the one-click unsubscribe link it carries.

A reminder carries no words anyone wrote: the check-in reminder says it is time for a check-in, a
ritual reminder names the ritual from the library, the weekly summary gives counts only (the
partner's *shared* check-ins only). Subjects are neutral. Every attempt of one send carries the
same Message-ID, derived from the send, so a receiving server can drop a repeat."""

from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from checkins.selectors import week_counts
from repair.couples.models import User
from repair.couples.selectors import couple_for_user
from repair.lib.clock import clock_format
from repair.lib.mail import CompactEmail
from rituals.library import BY_SLUG
from rituals.models import ReminderKind, ReminderSend


def message_id(*, send_id: int) -> str:
    """The same for every attempt of one send, and for every worker: from the site's host name,
    not the machine's."""
    return f"<reminder-{send_id}@{_domain(settings.SITE_URL)}>"


@functools.lru_cache(maxsize=8)
def _domain(site_url: str) -> str:
    return urlsplit(site_url).hostname or "localhost"


def reminder_email(row: ReminderSend) -> CompactEmail:
    """A short, warm email with a neutral subject and nothing anyone wrote. One-click unsubscribe
    for this kind of reminder (RFC 8058)."""
    if row.reminder.kind == ReminderKind.SUMMARY:
        return summary_email(row)
    user = row.reminder.user
    kind = row.reminder.kind
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        if kind == ReminderKind.CHECKIN:
            subject = _("A moment for your check-in")
            template, url_name, title = "reminder_checkin", "checkins:index", ""
        else:
            ritual = row.reminder.ritual
            entry = BY_SLUG.get(ritual.ritual) if ritual else None
            subject = _("A gentle reminder")
            template, url_name = "reminder_ritual", "rituals:index"
            title = str(entry.title if entry else _("your ritual"))
    context = {
        "name": user.name,
        "unsubscribe_url": unsubscribe_url(token=unsubscribe_token(user=user, kind=kind)),
        "url": _page_url(settings.SITE_URL, url_name, language),
        "ritual_title": title,
        # When it was due, on the person's own clock and in their own zone (repair/lib/clock.py).
        "time": clock_format(row.due_at, clock=user.time_clock, zone=user.zoneinfo),
        "site_name": settings.SITE_NAME,
    }
    # Both bodies rendered for this person, escaped by the template engine (about 0.3 ms an email
    # for the two; docs/performance.md, "Reminders").
    with translation.override(language):
        text = get_template(f"emails/{template}.txt").render(context)
        html = get_template(f"emails/{template}.html").render(context)
    message = CompactEmail(
        subject=str(subject),
        body=text,
        to=[user.email],
        headers=_headers(send_id=row.pk, unsubscribe=context["unsubscribe_url"]),
    )
    message.attach_alternative(html, "text/html")
    return message


@functools.lru_cache(maxsize=32)
def _page_url(site_url: str, url_name: str, language: str) -> str:
    """The absolute link to a page, reversed once (it was a sixth of building a reminder)."""
    with translation.override(language):
        return site_url + reverse(url_name)


def summary_email(row: ReminderSend) -> CompactEmail:
    """Last week's counts, sent on Monday morning in the person's zone: all of their own check-ins
    and only the ones their partner shared. Counts only, never a word of any check-in."""
    user = row.reminder.user
    monday = user.local_today(row.due_at)
    monday -= timedelta(days=monday.weekday())
    couple = couple_for_user(user=user)
    counts = week_counts(user=user, couple=couple, week_start=monday - timedelta(days=7))
    context = {
        "name": user.name,
        "mine": counts.mine,
        "partner_name": couple.partner.name if couple and couple.partner else "",
        "partner_shared": counts.partner_shared,
        "url": settings.SITE_URL + reverse("checkins:history"),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your week in check-ins")
        text = render_to_string("emails/weekly_summary.txt", context)
        html = render_to_string("emails/weekly_summary.html", context)
    unsubscribe = unsubscribe_url(token=unsubscribe_token(user=user, kind=ReminderKind.SUMMARY))
    message = CompactEmail(
        subject=str(subject),
        body=text,
        to=[user.email],
        headers=_headers(send_id=row.pk, unsubscribe=unsubscribe),
    )
    message.attach_alternative(html, "text/html")
    return message


def _headers(*, send_id: int, unsubscribe: str) -> dict[str, str]:
    return {
        "Message-ID": message_id(send_id=send_id),
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- unsubscribing --------------------------------------------------------------------------------------

UNSUBSCRIBE_SALT = "rituals.unsubscribe"


def unsubscribe_token(*, user: User, kind: str) -> str:
    """A signed, unguessable token naming one person and one kind of reminder. It cannot be made for
    anyone else without the secret key."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, token: str) -> str:
    """The absolute one-click link for a token (its path reversed once, not for every email)."""
    before, after = _unsubscribe_path(settings.SITE_URL)
    return f"{before}{token}{after}"


@functools.lru_cache(maxsize=8)
def _unsubscribe_path(site_url: str) -> tuple[str, str]:
    marker = "TOKEN"
    before, after = reverse("unsubscribe", kwargs={"token": marker}).split(marker)
    return site_url + before, after


def unsubscribe_read(*, token: str) -> tuple[User, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=365))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in ReminderKind.values:
        return None
    user_id = data.get("u")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return (user, data["k"]) if user else None
