"""A ritual chosen, scheduled and kept: Avery picks the weekly touchpoint from the library, schedules
it for both on today's weekday, finds it on the calendar in the weekly colour with its label, and
marks today's occurrence kept in place (htmx, no page load). The month view shows it too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from rituals.models import OccurrenceMark, Reminder, ScheduledRitual
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser


def test_a_weekly_ritual_is_scheduled_shown_in_its_colour_and_marked_kept(
    browsing: Browsing,
) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    make_couple(avery_user, blake_user)
    today = avery_user.local_today()

    # --- Avery opens Rituals and the library ---------------------------------------------------
    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing="/rituals/")
    expect(avery.get_by_role("heading", level=1)).to_have_text("Rituals")
    browsing.check_a11y(avery)
    avery.get_by_role("link", name="Choose a ritual").first.click()

    expect(avery.get_by_role("heading", level=1)).to_have_text("Choose a ritual")
    item = avery.locator("li.library-item").filter(
        has=avery.get_by_role("heading", name="Weekly touchpoint")
    )
    expect(item).to_have_class("card library-item fam-weekly")
    expect(item).to_contain_text("Listen; don't fix.")  # the how
    browsing.check_a11y(avery)
    snap(avery, "rituals-library-avery")
    item.get_by_role("link", name="Schedule this").click()

    # --- the schedule form: weekly (the library's suggestion), on today's weekday -------------
    expect(avery.get_by_role("heading", level=1)).to_have_text("Weekly touchpoint")
    expect(avery.get_by_label("Every week")).to_be_checked()
    expect(avery.get_by_label("On which day of the month?")).to_be_hidden()  # only for monthly
    browsing.check_a11y(avery)
    avery.get_by_label("On which day of the week?").select_option(str(today.weekday()))
    avery.get_by_label("At what time?").fill("19:30")
    expect(avery.get_by_label("For both of us")).to_be_checked()
    snap(avery, "rituals-schedule-avery")
    avery.get_by_role("button", name="Add to our calendar").click()

    # --- on the calendar, this week: the weekly colour, shape and label -------------------------
    expect(avery.get_by_role("heading", level=1)).to_have_text("Calendar")
    expect(avery.locator(".messages")).to_contain_text("“Weekly touchpoint” is in your calendar.")
    ritual = ScheduledRitual.objects.get()
    entry = avery.locator(f"#entry-ritual-{ritual.pk}-{today:%Y%m%d}")
    expect(entry).to_have_class("entry fam-weekly kind-ritual")
    expect(entry.locator(".fam-label")).to_have_text("Weekly")
    expect(entry.get_by_role("link", name="Weekly touchpoint")).to_be_visible()
    expect(entry).to_contain_text("19:30")
    expect(avery.locator(".fam-legend")).to_contain_text("(diamond)")
    assert Reminder.objects.filter(ritual=ritual, next_due_at__isnull=False).count() == 2
    browsing.check_a11y(avery)
    snap(avery, "rituals-calendar-week-avery")

    # --- marking today's occurrence kept, in place ---------------------------------------------
    avery.evaluate("() => { window.stillTheSamePage = true; }")
    with avery.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/rituals/{ritual.pk}/mark/")
    ) as marked:
        entry.get_by_role("button", name="Kept").click()
    assert marked.value.request.header_value("hx-request") == "true"
    assert marked.value.status == 200
    expect(entry.get_by_role("button", name="Kept")).to_have_attribute("aria-pressed", "true")
    expect(entry.get_by_role("status")).to_have_text("Noted: kept.")
    assert avery.evaluate("() => window.stillTheSamePage") is True
    browsing.check_a11y(avery)
    snap(avery, "rituals-marked-kept-avery")

    mark = OccurrenceMark.objects.get()
    assert (mark.ritual_id, mark.user_id, mark.date, mark.status) == (
        ritual.pk,
        avery_user.pk,
        today,
        "kept",
    )

    # --- the month view shows it as a diamond, with words for screen readers -------------------
    avery.get_by_role("link", name="Month").click()
    expect(avery.get_by_role("heading", level=2, name=today.strftime("%B %Y"))).to_be_visible()
    expect(avery.locator("table.ritual-month .fam-weekly .fam-marker").first).to_be_visible()
    expect(avery.locator("table.ritual-month")).to_contain_text("Weekly touchpoint (Weekly)")
    browsing.check_a11y(avery)
    snap(avery, "rituals-calendar-month-avery")
