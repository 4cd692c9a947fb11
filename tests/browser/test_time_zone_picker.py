"""Settings: the time zone list has a search box and offers the device's own zone when it differs
from the saved one (the list alone still works without JavaScript)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
