"""A person's own settings: name, time zone and clock."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repair.couples.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_partner_changes_name_and_time_zone(partner_a: User):
    response = client_for(partner_a).post(
        reverse("settings"), {"display_name": "Ave", "time_zone": "Asia/Tokyo"}
    )

    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert (partner_a.display_name, partner_a.time_zone) == ("Ave", "Asia/Tokyo")


def test_settings_no_longer_ask_how_you_describe_your_part(client_a: Client):
    # Whose hurt the work is about is agreed together (/program/roles/), never said alone here.
    page = client_a.get(reverse("settings")).text

    assert "describe your part" not in page
    assert "self_description" not in page


def test_a_made_up_time_zone_is_refused_kindly_and_the_name_is_kept(partner_a: User):
    response = client_for(partner_a).post(
        reverse("settings"),
        {"display_name": "New name", "time_zone": "Mars/Olympus"},
    )

    assert response.status_code == 200
    assert "Please pick your time zone from the list." in response.text
    assert 'value="New name"' in response.text
    partner_a.refresh_from_db()
    assert partner_a.display_name == "Avery"


@pytest.mark.parametrize(
    "name",
    ["=?utf-8?q?Eve=0D=0ABcc:_x@y?=", "Eve\r\nBcc: x@y", "Eve\u2066x\u2069", "Eve\u2028Blake"],
)
def test_a_name_with_special_characters_is_refused_kindly_and_the_rest_is_kept(
    partner_a: User, name: str
):
    response = client_for(partner_a).post(
        reverse("settings"),
        {"display_name": name, "time_zone": "Asia/Tokyo"},
    )

    assert response.status_code == 200
    assert "Please use letters, spaces and ordinary punctuation in your name" in response.text
    assert '<option value="Asia/Tokyo" selected>' in response.text
    partner_a.refresh_from_db()
    assert (partner_a.display_name, partner_a.time_zone) == ("Avery", "Europe/London")


def test_hostile_input_is_escaped_and_limited(partner_a: User):
    response = client_for(partner_a).post(
        reverse("settings"),
        {
            "display_name": "<script>alert(1)</script>" * 5,
            "time_zone": "UTC",
        },
    )

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "Please keep it to 60 characters." in response.text


def test_settings_save_inline_with_htmx(partner_a: User):
    response = client_for(partner_a).post(
        reverse("settings"),
        {"display_name": "Avery", "time_zone": "Europe/Paris"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith("<form")
    assert "Saved." in response.text


def test_dates_are_shown_in_the_persons_own_time_zone(client_a: Client, partner_a: User):
    partner_a.time_zone = (
        "Pacific/Kiritimati"  # UTC+14: a different calendar day from UTC half the time
    )
    partner_a.save()

    response = client_a.get(reverse("today"))

    local = timezone.now().astimezone(partner_a.zoneinfo)
    assert local.strftime("%A").upper()[:3] in response.text.upper()
    assert f"{local.day} {local.strftime('%B')}" in response.text


def test_an_empty_settings_post_explains_what_is_missing(partner_a: User):
    response = client_for(partner_a).post(reverse("settings"), {})

    assert response.status_code == 200
    assert "Please keep a name here" in response.text
