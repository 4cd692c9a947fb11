"""The reading library: short plain-language reads, one TOML file each in ``repair/program/reads/``
(``<order>_<slug>.toml``).

A read is content, like the stages: ``slug``, ``title``, ``minutes``, ``summary``, ``source`` (the
idea it rests on, for us, never shown) and a ``body`` in a small subset of Markdown — paragraphs,
``## `` headings and ``- `` lists — rendered here with every character escaped. ``related`` names
other reads to offer at the end. Exercises point at reads with ``reads = [...]``
(``repair/program/content.py`` checks each name); a low felt-safety check-in and the Support page
link to them too. ``manage.py program_check`` loads this library with the stages."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FOLDER = Path(__file__).resolve().parent / "reads"
_TEXT = ("slug", "title", "summary", "source", "body")


class ReadError(ValueError):
    """A read file that would not make a page."""


@dataclass(frozen=True)
class Read:
    slug: str
    title: str
    minutes: int
    summary: str
    source: str
    body: str
    related: tuple[str, ...] = ()

    @property
    def html(self) -> SafeString:
        return render_body(self.body)


def render_body(text: str) -> SafeString:
    """Paragraphs, ``## `` headings and ``- `` lists, separated by blank lines; all text escaped."""
    out = []
    for block in (b.strip() for b in text.strip().split("\n\n")):
        if not block:
            continue
        lines = [line.strip() for line in block.splitlines()]
        if len(lines) == 1 and lines[0].startswith("## "):
            out.append(f"<h2>{escape(lines[0][3:])}</h2>")
        elif all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{escape(' '.join(lines))}</p>")
    return mark_safe("\n".join(out))  # noqa: S308 - every piece of text above is escaped


def load_read(path: Path) -> Read:
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ReadError(f"{where}: not valid TOML: {error}") from None
    unknown = set(data) - {*_TEXT, "minutes", "related"}
    if unknown:
        raise ReadError(f"{where}: unknown keys {sorted(unknown)}")
    for key in _TEXT:
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ReadError(f"{where}: '{key}' is missing or empty")
    # Files are named <order>_<slug>.toml, so the list's order is the files' order.
    name = path.stem.split("_", 1)[-1]
    if data["slug"] != name:
        raise ReadError(f"{where}: the slug must be the file's name after the number ({name!r})")
    minutes = data.get("minutes")
    if type(minutes) is not int or not 1 <= minutes <= 10:
        raise ReadError(f"{where}: 'minutes' must be a whole number from 1 to 10")
    related = data.get("related", [])
    if not isinstance(related, list) or not all(isinstance(r, str) and r for r in related):
        raise ReadError(f"{where}: 'related' must be a list of read slugs")
    return Read(
        slug=data["slug"],
        title=data["title"],
        minutes=minutes,
        summary=data["summary"],
        source=data["source"],
        body=data["body"],
        related=tuple(related),
    )


def load_library(folder: Path = FOLDER) -> tuple[Read, ...]:
    paths = sorted(folder.glob("*.toml"), key=lambda p: (int(p.stem.split("_")[0]), p.name))
    reads = tuple(load_read(path) for path in paths)
    if not reads:
        raise ReadError(f"no reads in {folder}")
    slugs = {r.slug for r in reads}
    for read in reads:
        missing = [slug for slug in read.related if slug not in slugs or slug == read.slug]
        if missing:
            raise ReadError(f"{read.slug}.toml: 'related' names no other read: {missing}")
    return reads


@cache
def library() -> tuple[Read, ...]:
    """The shipped reads, in their files' order, loaded once per process."""
    return load_library()


def read_by_slug(slug: str) -> Read | None:
    return next((r for r in library() if r.slug == slug), None)
