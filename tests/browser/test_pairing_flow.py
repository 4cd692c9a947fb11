"""Two people find each other: Avery signs up and makes an invite link, Blake opens it on their own
phone, signs up and joins, and both land on the same shared Today page."""

from __future__ import annotations

import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from repair.couples import selectors
from repair.couples.models import Invite, Membership, User
from tests.browser.browsing import Browsing
from tests.browser.helpers import code_from_outbox, snap, type_like_a_person
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser


def sign_up(browsing: Browsing, page: Page, *, name: str, email: str, time_zone: str) -> None:
    """From the sign-up page: the time zone comes pre-filled from the browser; fill the rest, submit,
    then type the emailed code like a person would and confirm."""
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    # app.js fills the picker from Intl.DateTimeFormat; the server's default is UTC.
    expect(page.locator("select[name=time_zone]")).to_have_value(time_zone)
    browsing.check_a11y(page)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=display_name]").fill(name)
    snap(page, f"signup-{name.lower()}")
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/"))
    expect(page.get_by_text(email).first).to_be_visible()
    browsing.check_a11y(page)
    code = code_from_outbox(email)
    type_like_a_person(page.locator("input[name=code]"), code)
    page.get_by_role("button", name="Confirm my email").click()


def pass_safety_check(browsing: Browsing, page: Page) -> None:
    """The private safety screen every new person meets before couple work: answer "No"."""
    expect(page).to_have_url(re.compile(r"/safety/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("A private check, first")
    browsing.check_a11y(page)
    snap(page, f"safety-check-{page.evaluate('document.title').split()[0].lower()}")
    for group in page.locator("fieldset").all():
        group.locator("label.chip", has_text="No").first.click()
    page.get_by_role("button", name="Continue").click()
    # Everyone sees the support lines after the check, then goes on.
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    browsing.check_a11y(page)
    page.get_by_role("link", name="Continue").click()


def test_partners_sign_up_invite_by_link_and_both_land_on_today(browsing: Browsing) -> None:
    run = uuid.uuid4().hex[:8]  # allauth's rate limits live in Redis, which outlives a test run
    avery_email, blake_email = f"avery.{run}@example.com", f"blake.{run}@example.com"

    # --- Avery, on a phone set to New York time ---------------------------------------------
    avery = browsing.new_page(
        "Avery",
        timezone_id="America/New_York",
        permissions=["clipboard-read", "clipboard-write"],
    )
    avery.goto("/")
    expect(avery).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    browsing.check_a11y(avery)
    avery.get_by_role("link", name="Create an account").click()
    sign_up(browsing, avery, name="Avery", email=avery_email, time_zone="America/New_York")
    pass_safety_check(browsing, avery)

    expect(avery).to_have_url(re.compile(r"/start/$"))
    expect(avery.get_by_role("heading", level=1)).to_have_text("Welcome, Avery.")
    browsing.check_a11y(avery)
    avery.get_by_role("button", name="Create our space").click()

    expect(avery).to_have_url(re.compile(r"/couple/invite/$"))
    browsing.check_a11y(avery)
    avery.evaluate("() => { window.stillTheSamePage = true; }")
    with avery.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/couple/invite/")
    ) as made:
        avery.get_by_role("button", name="Make an invite link").click()
    # htmx swapped #invite-panel in place: no page load, and focus moved to the new link.
    assert made.value.request.header_value("hx-request") == "true"
    assert made.value.status == 200
    assert avery.evaluate("() => window.stillTheSamePage") is True
    link_field = avery.locator("#invite-panel #invite-link")
    expect(link_field).to_be_visible()
    expect(avery.get_by_role("region", name="Your invite link")).to_be_focused()
    invite_url = link_field.input_value()
    assert invite_url.startswith(f"{browsing.base_url}/invite/"), invite_url
    expect(link_field).to_have_attribute("readonly", "")
    # The copy button appears only when the clipboard works, copies the link and says so.
    copy = avery.get_by_role("button", name="Copy", exact=True)
    expect(copy).to_be_visible()
    copy.click()
    expect(avery.locator("[data-copy-status]")).to_have_text(
        "Copied. Now paste it into a message to your partner."
    )
    assert avery.evaluate("() => navigator.clipboard.readText()") == invite_url
    browsing.check_a11y(avery)
    snap(avery, "invite-link-shown")

    # --- Blake, on their own phone, opens the link Avery sent -----------------------------
    blake = browsing.new_page("Blake", timezone_id="Europe/Berlin")
    blake.goto(invite_url)
    expect(blake.get_by_role("heading", level=1)).to_have_text("Avery has invited you")
    browsing.check_a11y(blake)
    snap(blake, "invite-acceptance-signed-out")
    blake.get_by_role("link", name="Create an account").click()
    sign_up(browsing, blake, name="Blake", email=blake_email, time_zone="Europe/Berlin")
    pass_safety_check(browsing, blake)

    # Back on the invite after confirming and the private check, now signed in. The way back is
    # /invite/, found through the session: the token stays in the link Avery sent, not in Blake's
    # session or address bar.
    expect(blake).to_have_url(f"{browsing.base_url}/invite/")
    expect(blake.get_by_role("heading", level=1)).to_have_text("Avery has invited you")
    join = blake.get_by_role("button", name="Join our space")
    expect(join).to_be_visible()
    browsing.check_a11y(blake)
    snap(blake, "invite-acceptance-signed-in")
    join.click()

    expect(blake).to_have_url(f"{browsing.base_url}/")
    expect(blake.get_by_role("heading", name="You and Avery")).to_be_visible()
    expect(blake.get_by_role("status")).to_contain_text("You're both here now")
    browsing.check_a11y(blake)
    snap(blake, "today-blake")

    # --- Avery comes back to Today -----------------------------------------------------------
    avery.goto("/")
    expect(avery.get_by_role("heading", level=1)).to_contain_text("Avery")
    expect(avery.get_by_role("heading", name="You and Blake")).to_be_visible()
    browsing.check_a11y(avery)
    snap(avery, "today-avery")

    # --- And in the database ----------------------------------------------------------------
    a = User.objects.get(email=avery_email)
    b = User.objects.get(email=blake_email)
    assert (a.display_name, a.time_zone) == ("Avery", "America/New_York")
    assert (b.display_name, b.time_zone) == ("Blake", "Europe/Berlin")
    assert EmailAddress.objects.filter(user__in=[a, b], verified=True).count() == 2
    seen_by_a, seen_by_b = selectors.couple_for_user(user=a), selectors.couple_for_user(user=b)
    assert seen_by_a is not None
    assert seen_by_b is not None
    assert seen_by_a.couple.pk == seen_by_b.couple.pk
    assert seen_by_a.couple.is_active
    assert seen_by_a.partner == b
    assert seen_by_b.partner == a
    active = Membership.objects.filter(couple=seen_by_a.couple, left_at__isnull=True)
    assert set(active.values_list("user", flat=True)) == {a.pk, b.pk}
    accepted = Invite.objects.get(couple=seen_by_a.couple)
    assert (accepted.created_by, accepted.accepted_by) == (a, b)


def session_for(user: User) -> str:
    """A signed-in session for the person, made as Django's test client makes one."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_invite_page_works_without_javascript(browsing: Browsing) -> None:
    avery = make_user("Avery")
    couple = make_couple(avery)
    context = browsing.new_context("Avery", java_script_enabled=False)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_for(avery),
                "url": browsing.base_url,
            }
        ]
    )
    page = context.new_page()

    page.goto("/couple/invite/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite your partner")
    expect(page.locator("#invite-link")).to_have_count(0)
    browsing.check_a11y(page)

    with (
        page.expect_navigation(),
        page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith("/couple/invite/")
        ) as made,
    ):
        page.get_by_role("button", name="Make an invite link").click()
    assert made.value.request.header_value("hx-request") is None  # a plain form post
    assert made.value.status == 200
    link_field = page.locator("#invite-link")
    expect(link_field).to_be_visible()
    invite_url = link_field.input_value()
    assert invite_url.startswith(f"{browsing.base_url}/invite/"), invite_url
    # Without JavaScript there is no copy button (it could not work); the read-only field will do.
    expect(page.locator("[data-copy-target]")).to_have_count(1)
    expect(page.locator("[data-copy-target]")).to_be_hidden()
    expect(page.get_by_role("heading", name="Waiting to be accepted")).to_be_visible()
    browsing.check_a11y(page)
    snap(page, "invite-link-no-js")

    # The link shown is the one the database knows, for this couple, and still pending.
    token = invite_url.rstrip("/").rsplit("/", 1)[-1]
    found = selectors.invite_for_token(token=token)
    assert found is not None
    assert found.couple_id == couple.pk
    assert found.accepted_at is None
    assert found.revoked_at is None
