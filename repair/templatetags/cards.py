"""``{% card card %}``: draw a Today card (a template name and its context, from the app that owns
it) inside the page's own context, like ``{% include %}`` with a context of the card's choosing.

Rendering each card separately with ``render_to_string(..., request=request)`` built a new request
context per card and ran every context processor again for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def card(context: template.Context, card: tuple[str, Mapping[str, Any]]) -> SafeString:
    name, values = card
    if context.template is None:
        raise template.TemplateSyntaxError("{% card %} is used inside a page's template.")
    drawn = context.template.engine.get_template(name)
    with context.push(dict(values)):
        return drawn.render(context)
