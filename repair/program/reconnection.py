"""Reconnection, at the couple's pace: an optional sequence after the closeness ladder, as data
(``repair/program/reconnection/steps.toml``), loaded and checked here.

It is deliberately not part of the stage engine (``repair/program/content.py``): a step never
counts towards a stage, is never offered as "one next step", and is never named on Today, in an
email, a reminder or the calendar, unless both partners chose to see it on Today
(``repair.program.selectors.reconnection_state``). Each step opens only on both partners' private
yes, in order, and either can close it again (``repair.program.services.reconnection_answer`` and
``reconnection_close``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.safestring import SafeString

from repair.program.library import render_body

FILE = Path(__file__).resolve().parent / "reconnection" / "steps.toml"
# Named pages a step may link to (by URL name): "When it hits" for the image step.
LINKS = ("when_it_hits",)
_TEXT = ("slug", "title", "purpose", "instructions", "source")
_KEYS = {*_TEXT, "duration_seconds", "steps", "body", "links"}


class ReconnectionError(ValueError):
    """The sequence's file is broken; the message says which step and what is wrong."""


@dataclass(frozen=True)
class ReconnectionStep:
    slug: str
    number: int
    title: str
    purpose: str
    instructions: str
    source: str
    # A guided practice: seconds on the timer and its steps. A note instead has a body.
    duration_seconds: int = 0
    steps: tuple[str, ...] = ()
    body: str = ""
    links: tuple[str, ...] = ()

    @property
    def html(self) -> SafeString:
        return render_body(self.body)

    @property
    def minutes(self) -> int:
        return self.duration_seconds // 60


@dataclass(frozen=True)
class Sequence:
    title: str
    summary: str
    why: str
    source: str
    steps: tuple[ReconnectionStep, ...]

    def step(self, slug: str) -> ReconnectionStep | None:
        return next((s for s in self.steps if s.slug == slug), None)

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(s.title for s in self.steps)


def _step(raw: object, number: int) -> ReconnectionStep:
    where = f"step {number}"
    if not isinstance(raw, dict):
        raise ReconnectionError(f"{where}: must be a table")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ReconnectionError(f"{where}: unknown keys {sorted(unknown)}")
    for key in _TEXT:
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ReconnectionError(f"{where}: '{key}' is missing or empty")
    where = f"step {raw['slug']!r}"
    if not raw["slug"].startswith("reconnection-"):
        raise ReconnectionError(f"{where}: a slug starts with 'reconnection-'")
    seconds = raw.get("duration_seconds", 0)
    steps = raw.get("steps", [])
    body = raw.get("body", "")
    links = raw.get("links", [])
    if type(seconds) is not int or seconds < 0:
        raise ReconnectionError(f"{where}: 'duration_seconds' must be a whole number")
    if not isinstance(steps, list) or not all(isinstance(s, str) and s for s in steps):
        raise ReconnectionError(f"{where}: 'steps' must be a list of text")
    if not isinstance(body, str):
        raise ReconnectionError(f"{where}: 'body' must be text")
    if not isinstance(links, list) or any(link not in LINKS for link in links):
        raise ReconnectionError(f"{where}: 'links' may name only {LINKS}")
    if bool(steps) == bool(body.strip()) or bool(steps) != bool(seconds):
        raise ReconnectionError(
            f"{where}: a practice has 'duration_seconds' and 'steps'; a note has a 'body' only"
        )
    return ReconnectionStep(
        slug=raw["slug"],
        number=number,
        title=raw["title"],
        purpose=raw["purpose"],
        instructions=raw["instructions"],
        source=raw["source"],
        duration_seconds=seconds,
        steps=tuple(steps),
        body=body,
        links=tuple(links),
    )


def load_sequence(path: Path = FILE) -> Sequence:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ReconnectionError(f"{path.name}: not valid TOML: {error}") from None
    meta = data.get("sequence")
    if not isinstance(meta, dict):
        raise ReconnectionError(f"{path.name}: needs a [sequence] table")
    for key in ("title", "summary", "why", "source"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise ReconnectionError(f"{path.name}: [sequence] '{key}' is missing or empty")
    raw_steps = data.get("step", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ReconnectionError(f"{path.name}: needs [[step]] entries")
    steps = tuple(_step(raw, number) for number, raw in enumerate(raw_steps, start=1))
    if len({s.slug for s in steps}) != len(steps):
        raise ReconnectionError(f"{path.name}: a step slug is used twice")
    return Sequence(
        title=meta["title"],
        summary=meta["summary"],
        why=meta["why"],
        source=meta["source"],
        steps=steps,
    )


@cache
def sequence() -> Sequence:
    """The shipped sequence, loaded once per process."""
    return load_sequence()
