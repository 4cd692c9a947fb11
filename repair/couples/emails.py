"""Every email the couple core sends. Emails carry links and names, never anything a person wrote.

Names go in bodies only. Every header is fixed by the app: the subject is a neutral string from
the code, From is ``DEFAULT_FROM_EMAIL`` and To is a bare address, so nothing a person typed can
add a header or be read in an inbox list over someone's shoulder."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def send_templated(*, to: str, subject: str, template: str, context: dict[str, object]) -> bool:
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        # Log the kind of email only: the address and body stay out of the log.
        log.exception("email.send_failed template=%s", template)
        return False
    return True


def send_invite(*, to: str, inviter_name: str, url: str) -> bool:
    return send_templated(
        to=to,
        # Neutral on purpose, and without the inviter's name: a subject line can be read over
        # someone's shoulder, and a name is not the app's to put in a header.
        subject=_("An invitation for you"),
        template="invite",
        context={"inviter_name": inviter_name, "url": url, "days": settings.INVITE_TTL.days},
    )


def send_sign_in_notice(*, to: str) -> bool:
    """Several wrong passwords for this account today. Nothing in it comes from whoever typed
    them: no address, no device, no time, no typed text; the subject is the same every time."""
    return send_templated(
        to=to,
        subject=_("A note about signing in"),
        template="sign_in_notice",
        context={"reset_url": f"{settings.SITE_URL}{reverse('account_reset_password')}"},
    )
