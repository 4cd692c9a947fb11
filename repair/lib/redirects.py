"""Where a form's ``next`` may send a person afterwards: a path of this site, or the page's own
default. Anything else (another host, a scheme, a bare word Django would try as a view name, a
control character a header can't carry) quietly becomes the default."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

# Longer than any address of ours; a longer one is not a place to go back to.
LONGEST = 2000


def next_path(request: HttpRequest, value: object, *, default: str) -> str:
    if not isinstance(value, str) or not value.startswith("/") or len(value) > LONGEST:
        return default
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return default
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return value
