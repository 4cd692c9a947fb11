"""Sessions lapse after inactivity and are renewed by use."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from repair.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_using_the_app_renews_the_session(partner_a: User, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = client_for(partner_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(reverse("settings"))
    first = Session.objects.get().expire_date

    with time_machine.travel(start + timedelta(days=3), tick=False):
        client.get(reverse("settings"))

    assert Session.objects.get().expire_date >= first + timedelta(days=3) - timedelta(seconds=1)


def test_a_session_left_alone_longer_than_its_age_has_expired(partner_a: User, settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = client_for(partner_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(reverse("settings"))

    with time_machine.travel(
        start + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60), tick=False
    ):
        response = client.get(reverse("settings"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
