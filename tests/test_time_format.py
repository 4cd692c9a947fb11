"""One time format per person: 12 or 24 hour, chosen in Settings or taken from their language, and
the ``clock`` filter every page and email can use."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from repair.couples.models import User
from repair.lib.clock import clock_format, hour12_for
from tests.conftest import client_for
from tests.factories import make_user


def test_a_time_reads_on_a_12_or_24_hour_clock():
    assert clock_format(time(19, 30), hour12=True) == "7:30 pm"
    assert clock_format(time(0, 5), hour12=True) == "12:05 am"
    assert clock_format(time(12, 0), hour12=True) == "12:00 pm"
    assert clock_format(time(7, 5), hour12=False) == "07:05"


def test_the_format_follows_the_language_until_the_person_chooses():
    assert hour12_for(time_format="", language="en") is True
    assert hour12_for(time_format="", language="en-gb") is False
    assert hour12_for(time_format="", language="de") is False
    assert hour12_for(time_format="", language="hi-in") is True
    assert hour12_for(time_format="24", language="en-us") is False
    assert hour12_for(time_format="12", language="fr") is True


@pytest.mark.django_db
def test_the_clock_filter_uses_the_persons_choice_and_time_zone():
    avery = make_user("Avery", time_zone="America/New_York")
    at = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 18:30 in New York
    page = Template("{% load clock %}{{ at|clock:person }}")

    with translation.override("en"):
        assert page.render(Context({"at": at, "person": avery})) == "6:30 pm"
        avery.time_format = "24"
        assert page.render(Context({"at": at, "person": avery})) == "18:30"


@pytest.mark.django_db
def test_the_time_format_is_chosen_in_settings():
    avery = make_user("Avery")
    client = client_for(avery)
    assert "How do you like to read the time?" in client.get(reverse("settings")).text

    client.post(
        reverse("settings"),
        {"display_name": "Avery", "time_zone": "Europe/London", "time_format": "24"},
    )

    assert User.objects.get(pk=avery.pk).time_format == "24"
