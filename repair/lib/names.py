"""The one rule for a name a person gives themselves (sign-up, Settings, the admin).

A name is shown to the partner and put into email bodies. It never goes into a header, but a few
characters are refused anyway, because they are how a name becomes something else: line breaks
and other control characters (extra email headers on some interpreters, broken log lines), RFC 2047
encoded-word markers (``=?utf-8?q?…?=``, which Python 3.12 before 3.12.5 unfolded into real
headers), bidirectional overrides and isolates (text that reads differently from how it is
stored), line and paragraph separators, and invisible format characters (a name that looks like
someone else's). Letters of every script, marks, emoji and ordinary punctuation stay welcome.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 60

# Control (Cc: C0, DEL and C1, with CR, LF and TAB), format (Cf: bidi controls, zero-width
# characters, the byte-order mark, tags), line and paragraph separators (Zl, Zp), and lone
# surrogates (Cs), which can't be encoded at all.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Zero-width non-joiner and joiner are part of how Persian, Arabic and Indic names are spelled
# and how emoji sequences are built, so they may stand between two non-ASCII characters; next
# to ASCII they would only make "Avery" and "Av\u200dery" look the same.
_JOINERS = frozenset({"\u200c", "\u200d"})
_ENCODED_WORD_MARKERS = ("=?", "?=")

NAME_CHARACTERS_MESSAGE = _(
    "Please use letters, spaces and ordinary punctuation in your name — "
    "a few special characters can't be used."
)


def name_normalize(value: str) -> str:
    """NFC, so one name typed on two devices is stored the same way, and trimmed."""
    return unicodedata.normalize("NFC", value).strip()


def name_is_allowed(value: str) -> bool:
    if any(marker in value for marker in _ENCODED_WORD_MARKERS):
        return False
    for index, char in enumerate(value):
        if unicodedata.category(char) not in _REFUSED_CATEGORIES:
            continue
        if char in _JOINERS and 0 < index < len(value) - 1:
            before, after = value[index - 1], value[index + 1]
            if not before.isascii() and not after.isascii():
                continue
        return False
    return True


def validate_name(value: str) -> None:
    if not name_is_allowed(value):
        raise ValidationError(NAME_CHARACTERS_MESSAGE, code="name_characters")


class NameField(forms.CharField):
    """A person's display name: normalised, trimmed, at most 60 characters, no special characters."""

    default_validators = [validate_name]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", NAME_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        return name_normalize(text) if text else text
