"""``{% once_field %}``: the hidden one-time key of a create form (``repair.once``). A new key on
every draw, so the next note after a sent one is a new note, and a repeat of one draw is not."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from repair.couples import once

register = template.Library()


@register.simple_tag
def once_field() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, once.key_new())
