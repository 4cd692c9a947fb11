"""Settings and sign-up: the time zone list has a search box and offers the device's own zone when it differs
from the saved one (the list alone still works without JavaScript)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from repair.couples.models import User
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_settings_suggests_the_device_zone_and_the_list_can_be_searched(browsing: Browsing):
    avery = make_user("Avery", time_zone="America/New_York")
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/settings/")  # a London phone
    select = page.locator("select[name=time_zone]")
    expect(select).to_have_value("America/New_York")
    offer = page.get_by_role("button", name="Use this device's time zone: London")
    expect(offer).to_be_visible()
    browsing.check_a11y(page)
    # No screenshot before the htmx save: a full-page screenshot leaves style="" on inputs, which
    # htmx's settle copies onto the new ones (a CSP violation that no person would meet).

    offer.click()
    expect(select).to_have_value("Europe/London")
    page.get_by_role("searchbox", name="Search for your city or region").fill("buenos")
    expect(select).to_have_value("America/Argentina/Buenos_Aires")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    avery.refresh_from_db()
    assert avery.time_zone == "America/Argentina/Buenos_Aires"
    browsing.check_a11y(page)
    page.get_by_role("button", name="Use this device's time zone: London").wait_for()
    snap(page, "settings-time-zone-offer")


def test_sign_up_suggests_the_device_zone_and_a_typed_city_narrows_the_list(browsing: Browsing):
    nora = browsing.new_page("Nora", timezone_id="America/New_York")
    nora.set_viewport_size({"width": 390, "height": 844})
    nora.goto("/accounts/signup/")
    select = nora.locator("select[name=time_zone]")
    expect(select).to_have_value("America/New_York")  # from the device
    search = nora.get_by_role("searchbox", name="Search for your city or region")
    expect(search).to_be_visible()

    search.fill("buenos")
    expect(select).to_have_value("America/Argentina/Buenos_Aires")
    shown = select.locator("option:not([hidden])")
    assert 1 <= shown.count() <= 3, shown.all_text_contents()
    assert select.locator('option[value="America/New_York"]').get_attribute("hidden") is not None
    browsing.check_a11y(nora)
    snap(nora, "signup-time-zone-search-390")

    nora.get_by_label("What's your email address?").fill("nora.picker@example.com")
    nora.get_by_label("What should we call you?").fill("Nora")
    nora.get_by_label("Choose a password").fill(PASSWORD)
    nora.get_by_role("button", name="Create my account").click()
    expect(nora).to_have_url(re.compile(r"/accounts/confirm-email/"))
    browsing.check_a11y(nora)
    saved = User.objects.get(email="nora.picker@example.com")
    assert saved.time_zone == "America/Argentina/Buenos_Aires"
    assert saved.language == "en-gb"  # the browser's language, so 24-hour until Nora chooses
    assert saved.time_clock == "24"
