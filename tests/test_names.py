"""The one rule for a person's name (repair/lib/names.py): names of every script are welcome; control,
format, bidi and separator characters and encoded-word markers are refused with one kind message,
wherever a name is set. Names stored before the rule still show."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.checks.registry import registry
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from repair.checks import python_version_check
from repair.couples.models import Couple, User
from repair.lib.names import NameField, name_is_allowed
from tests.conftest import client_for
from tests.factories import make_user

KIND_MESSAGE = "Please use letters, spaces and ordinary punctuation in your name"

WELCOME = [
    "Avery",
    "Anne-Marie O'Brien",
    "Zoë",
    "José Ñúñez",
    "李小龙",
    "Σοφία",
    "محمد",
    "علی\u200cرضا",  # Persian: a zero-width non-joiner between two letters is part of the spelling
    "क्षत्रिय",  # Devanagari with its combining marks
    "Sam 🌿",
    "👩\u200d👩\u200d👧",  # an emoji sequence joined by zero-width joiners
    "Dr. J. R. R. (Ronald) Smith, Jr.",
    "A=B? Maybe",  # an equals sign and a question mark alone are ordinary punctuation
]

REFUSED = [
    "=?utf-8?q?Eve=0D=0ABcc:_x@y?=",  # the encoded word
    "Eve=?",
    "Eve?=",
    "Eve\r\nBcc: x@y",
    "Eve\nBlake",
    "Eve\tBlake",
    "Eve\x00",
    "Eve\x7f",
    "Eve\x85Blake",  # NEL, a C1 control (at either end it is trimmed like a space)
    "Eve\u202eyrevA",  # right-to-left override
    "Eve\u202a",
    "\u2066Eve\u2069",  # isolates
    "Eve\u200e",  # left-to-right mark
    "Eve\u200f",
    "Eve\u061c",  # Arabic letter mark
    "Eve\u2028Blake",  # line separator
    "Eve\u2029Blake",  # paragraph separator
    "Av\u200bery",  # zero-width space: "Avery" that isn't
    "Av\u200dery",  # a joiner between two ASCII letters only hides a difference
    "\u200cAvery",
    "Avery\ufeff",  # byte-order mark
    "Avery\U000e0041",  # a tag character
    "Eve\u00adBlake",  # soft hyphen
]


@pytest.mark.parametrize("name", WELCOME)
def test_names_of_every_script_are_welcome(name: str):
    field = NameField()

    assert field.clean(name) == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize("name", REFUSED)
def test_a_name_with_special_characters_is_refused_kindly(name: str):
    assert not name_is_allowed(name)
    with pytest.raises(ValidationError, match=KIND_MESSAGE):
        NameField().clean(name)


def test_a_name_is_stored_composed_and_trimmed():
    decomposed = "  Zoe\u0308  "

    assert NameField().clean(decomposed) == "Zoë"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["=?utf-8?q?Eve=0D=0ABcc:_x@y?=", "Eve\u202eyrevA"])
def test_the_admin_refuses_a_hostile_name_too(name: str, partner_a: User):
    staff = make_user("Sol")
    staff.is_staff = staff.is_superuser = True
    staff.save()

    response = client_for(staff).post(
        reverse("admin:repair_user_change", args=[partner_a.pk]),
        {
            "email": partner_a.email,
            "display_name": name,
            "time_zone": "Europe/London",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )

    assert response.status_code == 200
    assert KIND_MESSAGE in response.text
    partner_a.refresh_from_db()
    assert partner_a.display_name == "Avery"


@pytest.mark.django_db
def test_a_hostile_name_stored_before_the_rule_still_shows_escaped(
    couple: Couple, partner_a: User, partner_b: User
):
    stored = "<b>Eve</b>\u202e\r\n=?utf-8?q?x?="
    User.objects.filter(pk=partner_a.pk).update(display_name=stored)

    for client, page in [
        (client_for(partner_b), "today"),
        (client_for(partner_a), "today"),
        (client_for(partner_a), "settings"),
        (client_for(partner_b), "rituals:index"),
    ]:
        response = client.get(reverse(page))
        assert response.status_code == 200, page
        assert "<b>Eve</b>" not in response.text, page
        assert "&lt;b&gt;Eve&lt;/b&gt;" in response.text, page


@pytest.mark.django_db
def test_saving_settings_with_an_old_hostile_name_asks_for_a_new_one_and_keeps_the_rest(
    partner_a: User,
):
    User.objects.filter(pk=partner_a.pk).update(display_name="Eve\u202e")
    client = Client()
    client.force_login(partner_a)

    response = client.post(
        reverse("settings"),
        {"display_name": "Eve\u202e", "time_zone": "Asia/Tokyo"},
    )

    assert response.status_code == 200
    assert KIND_MESSAGE in response.text
    assert '<option value="Asia/Tokyo" selected>' in response.text
    partner_a.refresh_from_db()
    assert partner_a.time_zone == "Europe/London"


def test_the_app_refuses_to_start_on_an_interpreter_without_the_header_fix():
    assert python_version_check(version_info=(3, 12, 1))[0].id == "repair.E001"
    assert python_version_check(version_info=(3, 12, 4))[0].id == "repair.E001"
    assert python_version_check(version_info=(3, 13, 0)) == []
    assert python_version_check() == []  # the interpreter running the tests has it
    assert python_version_check in registry.get_checks()
