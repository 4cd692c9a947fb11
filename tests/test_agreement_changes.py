"""An agreement's new version shows what changed from the one before it, word by word."""

from __future__ import annotations

from django.urls import reverse

from repair.couples.models import User
from repair.lib.textdiff import Change, word_changes
from repair.program import services
from repair.program.content import program
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import open_stages_before as open_up_to


def test_word_changes_give_back_both_versions_exactly():
    old = "We check in every evening.\nPhones stay open."
    new = "We check in every morning.\nPhones stay open, both ways."

    changes = word_changes(old, new)

    assert "".join(c.text for c in changes if c.kind != "removed") == new
    assert "".join(c.text for c in changes if c.kind != "added") == old
    assert changes[:3] == [
        Change("same", "We check in every "),
        Change("removed", "evening.\n"),
        Change("added", "morning.\n"),
    ]


def test_unchanged_text_is_one_unchanged_run():
    assert word_changes("Same words.", "Same words.") == [Change("same", "Same words.")]


def test_the_partner_sees_what_a_proposed_version_changed(couple, partner_a: User, partner_b: User):
    agreement = next(e for e in program().exercises if e.type == "agreement")
    open_up_to(agreement.stage, partner_a, partner_b)
    services.agreement_propose(
        couple=view(partner_a), exercise=agreement, text="We talk on Sundays."
    )
    services.agreement_propose(
        couple=view(partner_b), exercise=agreement, text="We talk on Sundays <b>and</b> Wednesdays."
    )

    page = (
        client_for(partner_a)
        .get(reverse("program_exercise", args=[agreement.stage, agreement.slug]))
        .text
    )

    assert "What changed since version 1" in page
    assert "<ins>" in page
    assert "&lt;b&gt;and&lt;/b&gt; Wednesdays." in page  # as typed, never as markup
    assert "<b>and</b>" not in page
