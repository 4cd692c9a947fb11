"""Words sent as a whole page and taken by the server leave no draft behind: the next empty box of
the same kind (a conversation's next turn) must not fill with what was already said. Words whose
send was refused stay."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from repair.program.models import ConversationTurn
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in
from tests.factories import PASSWORD, make_couple, make_user, open_stages_before

pytestmark = pytest.mark.browser

SAID = "When you went quiet at dinner I felt shut out."


def stored(page: Page) -> str:
    return str(page.evaluate("() => JSON.stringify(Object.entries(window.sessionStorage))"))


def test_words_the_server_took_leave_no_draft_for_the_next_turn(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    make_couple(avery_user, blake_user)
    open_stages_before("attunement", avery_user, blake_user)
    talk = reverse("program_exercise", args=["attunement", "attunement-speaker-listener"])

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=talk)
    avery.get_by_role("button", name="Start — I'll speak first").click()
    box = avery.get_by_label("You have the floor. Say one small piece, about you.")

    box.fill(SAID)
    avery.get_by_role("button", name="Say it").click()
    expect(avery.get_by_role("status")).to_contain_text("turn")
    assert ConversationTurn.objects.get(author=avery_user).text == SAID
    assert SAID not in stored(avery)
    browsing.check_a11y(avery)
