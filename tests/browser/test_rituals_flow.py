"""A ritual chosen, agreed and kept: Avery picks the weekly touchpoint from the library and suggests
it for both on today's weekday; it waits for Blake (no calendar, no reminders) until Blake, who
finds it on Today, says yes; then Avery finds it on the calendar in the weekly colour with its
label and marks today's occurrence kept in place (htmx, no page load). The month view shows it too.
A second suggestion Blake lets pass shows Avery only "Not taken up for now". All at 390 px."""

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
    expect(
        avery.get_by_text("each of you is reminded at your own local time")
    ).to_be_visible()  # the who hint
    avery.get_by_role("button", name="Add to our calendar").click()

    # --- a suggestion, waiting for Blake: on no calendar, no reminders --------------------------
    expect(avery.get_by_role("heading", level=1)).to_have_text("Rituals")
    expect(avery.locator(".messages")).to_contain_text("is suggested to Blake")
    ritual = ScheduledRitual.objects.get()
    row = avery.locator(f"#ritual-{ritual.pk}")
    expect(row).to_contain_text("Waiting for Blake.")
    expect(row).to_contain_text("each of you is reminded at your own local time")
    assert not Reminder.objects.filter(ritual=ritual, next_due_at__isnull=False).exists()
    browsing.check_a11y(avery)
    snap(avery, "rituals-suggested-waiting-avery")

    # --- Blake finds it on Today and says yes, in place -----------------------------------------
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing="/")
    asks = blake.locator("section[aria-labelledby=today-asks-heading]")
    expect(asks).to_contain_text("A ritual Avery suggested")
    expect(asks).to_contain_text("Weekly touchpoint")
    browsing.check_a11y(blake)
    snap(blake, "rituals-suggestion-on-today-blake")
    asks.get_by_role("link", name="Have a look, and answer when you're ready").click()
    offer = blake.locator(f"#ritual-{ritual.pk}")
    expect(offer).to_contain_text("Avery suggested this for both of you.")
    browsing.check_a11y(blake)
    snap(blake, "rituals-suggestion-blake")
    offer.get_by_role("button", name="Yes, let's").click()
    expect(offer.get_by_role("status")).to_contain_text("on for both of you now")
    expect(offer.get_by_role("button", name="Pause")).to_be_visible()
    assert Reminder.objects.filter(ritual=ritual, next_due_at__isnull=False).count() == 2
    browsing.check_a11y(blake)
    snap(blake, "rituals-accepted-blake")

    # --- on Avery's calendar, this week: the weekly colour, shape and label ---------------------
    avery.get_by_role("link", name="Open the calendar").click()
    expect(avery.get_by_role("heading", level=1)).to_have_text("Calendar")
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


def test_a_suggestion_let_pass_shows_only_that_it_was_not_taken_up(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    make_couple(avery_user, blake_user)

    avery = sign_in(
        browsing, "Avery", avery_user, PASSWORD, landing="/rituals/library/reset-breath/"
    )
    browsing.check_a11y(avery)
    avery.get_by_label("Every day").check()
    avery.get_by_label("At what time?").fill("07:45")
    avery.get_by_role("button", name="Add to our calendar").click()
    expect(avery.locator(".messages")).to_contain_text("is suggested to Blake")
    ritual = ScheduledRitual.objects.get()

    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing="/rituals/")
    offer = blake.locator(f"#ritual-{ritual.pk}")
    expect(offer).to_contain_text("sees only that it wasn't taken up for now")
    offer.get_by_role("button", name="Not now").click()
    expect(blake.locator(".saved-note")).to_contain_text("Let go for now.")
    browsing.check_a11y(blake)
    snap(blake, "rituals-let-pass-blake")
    blake.reload()
    expect(blake.locator(f"#ritual-{ritual.pk}")).to_have_count(0)

    avery.goto("/rituals/")
    row = avery.locator(f"#ritual-{ritual.pk}")
    expect(row).to_contain_text("Not taken up for now.")
    expect(row.get_by_role("button", name="Remove it")).to_be_visible()
    assert not Reminder.objects.filter(ritual=ritual, next_due_at__isnull=False).exists()
    browsing.check_a11y(avery)
    snap(avery, "rituals-not-taken-up-avery")
