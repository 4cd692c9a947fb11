"""A person's own settings: name, time zone and the optional private self-description."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repair.couples.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_partner_changes_name_time_zone_and_self_description(partner_a: User):
    response = client_for(partner_a).post(
        reverse("settings"),
        {"display_name": "Ave", "time_zone": "Asia/Tokyo", "self_description": "caused"},
    )

    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert (partner_a.display_name, partner_a.time_zone, partner_a.self_description) == (
        "Ave",
        "Asia/Tokyo",
        "caused",
    )


def test_self_description_is_optional_and_can_be_cleared(partner_a: User):
    partner_a.self_description = "hurt"
    partner_a.save()

    client_for(partner_a).post(
        reverse("settings"),
        {"display_name": "Avery", "time_zone": "Europe/London", "self_description": ""},
    )

    partner_a.refresh_from_db()
    assert partner_a.self_description == ""


def test_a_made_up_time_zone_is_refused_kindly_and_the_name_is_kept(partner_a: User):
    response = client_for(partner_a).post(
        reverse("settings"),
        {"display_name": "New name", "time_zone": "Mars/Olympus", "self_description": ""},
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
        {"display_name": name, "time_zone": "Asia/Tokyo", "self_description": "caused"},
    )

    assert response.status_code == 200
    assert "Please use letters, spaces and ordinary punctuation in your name" in response.text
    assert '<option value="Asia/Tokyo" selected>' in response.text
    assert 'name="self_description" value="caused" id="id_self_description_2" checked' in (
        response.text
    )
    partner_a.refresh_from_db()
    assert (partner_a.display_name, partner_a.time_zone) == ("Avery", "Europe/London")


def test_hostile_input_is_escaped_and_limited(partner_a: User):
    response = client_for(partner_a).post(
        reverse("settings"),
        {
            "display_name": "<script>alert(1)</script>" * 5,
            "time_zone": "UTC",
            "self_description": "x",
        },
    )

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "Please keep it to 60 characters." in response.text


def test_settings_save_inline_with_htmx(partner_a: User):
    response = client_for(partner_a).post(
        reverse("settings"),
        {"display_name": "Avery", "time_zone": "Europe/Paris", "self_description": ""},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith("<form")
    assert "Saved." in response.text


def test_self_description_is_never_shown_to_the_partner(
    client_b: Client, partner_a: User, partner_b: User
):
    partner_a.self_description = "caused"
    partner_a.save()

    for name in ["today", "settings", "program", "checkins:index", "rituals:index"]:
        page = client_b.get(reverse(name)).text
        assert (
            "I caused the hurt" not in page
            or "checked" not in page.split("I caused the hurt")[0][-200:]
        )
    # Blake's own settings show Blake's (empty) choice, not Avery's.
    settings_page = client_b.get(reverse("settings"))
    assert settings_page.context["form"].initial["self_description"] == ""


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
