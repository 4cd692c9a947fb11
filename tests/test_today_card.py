"""Today: the next step comes straight after the greeting, and the "What's here" card can be put
away by one partner (kept for them, not for the other) and brought back from Settings."""

from __future__ import annotations

from html import unescape

from django.urls import reverse

from repair.couples.models import Couple, User
from repair.program.content import program
from tests.conftest import client_for

WHATS_HERE = '<h2 id="next-heading">What\'s here</h2>'


def test_the_next_step_comes_before_the_shared_space_card(couple: Couple, partner_a: User):
    page = client_for(partner_a).get(reverse("today")).text

    assert program().stages  # there is always a first step
    assert page.index("One next step") < page.index("You and ")


def test_one_partner_puts_whats_here_away_and_it_stays_away_for_them_only(
    couple: Couple, partner_a: User, partner_b: User
):
    avery = client_for(partner_a)
    assert WHATS_HERE in unescape(avery.get(reverse("today")).text)

    in_place = avery.post(reverse("whats_here"), headers={"HX-Request": "true"})

    assert in_place.status_code == 200
    assert in_place.content == b""
    assert WHATS_HERE not in unescape(avery.get(reverse("today")).text)
    assert WHATS_HERE in unescape(client_for(partner_b).get(reverse("today")).text)
    assert User.objects.get(pk=partner_a.pk).whats_here_hidden


def test_whats_here_comes_back_from_settings(couple: Couple, partner_a: User):
    avery = client_for(partner_a)
    assert avery.post(reverse("whats_here"))["Location"] == reverse("today")
    assert "on Today again" in avery.get(reverse("settings")).text

    back = avery.post(reverse("whats_here"), {"show": "1"})

    assert back["Location"] == reverse("settings")
    assert WHATS_HERE in unescape(avery.get(reverse("today")).text)
