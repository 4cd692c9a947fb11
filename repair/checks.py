"""Django system checks of our own (``manage.py check``, and every start of the app)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.checks import CheckMessage, Error, register

# Python 3.12 before 3.12.5 unfolds RFC 2047 encoded words found in a header value into real
# headers when serialising an email (CVE-2024-6923), so "=?utf-8?q?Eve=0D=0ABcc:_x@y?=" became a
# Bcc header. Headers no longer carry names (repair/couples/emails.py), but the interpreter must be one
# with the fix; pyproject.toml asks for 3.13, and this stops a copy run by another interpreter.
MINIMUM_PYTHON = (3, 13)


@register()
def python_version_check(
    app_configs: Any = None, *, version_info: tuple[int, ...] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    version = tuple(version_info or sys.version_info[:3])
    if version >= MINIMUM_PYTHON:
        return []
    running = ".".join(str(part) for part in version)
    return [
        Error(
            f"Mend needs Python 3.13 or newer; this is Python {running}.",
            hint="Python 3.12 before 3.12.5 can turn text in an email header into extra headers. "
            "With pyenv: 'pyenv install 3.13' (the repo's .python-version asks for it).",
            id="repair.E001",
        )
    ]
