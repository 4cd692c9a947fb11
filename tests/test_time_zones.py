"""The time zone list: current names only, grouped by region, labelled as people say them, and an
older saved spelling kept so the Settings page still saves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from repair.couples.forms import ProfileForm
from repair.couples.models import User
from repair.lib.time_zones import time_zone_groups, time_zone_label, time_zone_names
from tests.conftest import client_for
from tests.factories import make_user


def test_the_list_has_current_names_only():
    names = time_zone_names()

    assert "Africa/Asmara" in names
    assert "Africa/Asmera" not in names
    assert "Europe/Kyiv" in names
    assert "Europe/Kiev" not in names
    assert "Asia/Calcutta" not in names
    assert not any(name.startswith(("US/", "Etc/")) for name in names)


def test_the_list_is_grouped_by_region_with_readable_labels():
    groups = dict(time_zone_groups())

    assert ("America/New_York", "New York") in groups["America"]
    assert ("America/Argentina/Buenos_Aires", "Buenos Aires (Argentina)") in groups["America"]
    assert list(groups)[:2] == ["Africa", "America"]
    assert all("_" not in label for members in groups.values() for _, label in members)
    assert time_zone_label("UTC") == "UTC"


@pytest.mark.django_db
def test_an_older_saved_spelling_stays_choosable_in_settings():
    avery = make_user("Avery", time_zone="Africa/Asmera")

    form = ProfileForm.for_user(avery, data={"display_name": "Avery", "time_zone": "Africa/Asmera"})

    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_settings_offers_search_and_the_device_zone_without_needing_javascript():
    avery = make_user("Avery", time_zone="America/New_York")

    page = client_for(avery).get(reverse("settings")).text

    assert '<optgroup label="America">' in page
    assert '<option value="America/New_York" selected>New York</option>' in page
    assert "data-time-zone-search=" in page
    assert "data-suggest-time-zone=" in page
    assert User.objects.get(pk=avery.pk).time_zone == "America/New_York"
