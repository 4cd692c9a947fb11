"""The prompt bank: short conversation prompts for the Sustaining stage, as data.

One TOML file per theme in ``repair/program/bank/`` (``<order>_<theme>.toml``: a ``[theme]`` table
and ``[prompts]`` with a list per weight), and ``0_bank.toml`` with the ids taken out of the bank
(``retired``). Answers refer to a prompt by its ``id``, so an id is stable forever: never renamed,
never reused. ``load_bank`` checks all of it and names the file and the prompt when something is
wrong; ``manage.py program_check`` prints the bank's size by theme and weight.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

FOLDER = Path(__file__).resolve().parent / "bank"
# How hard a prompt is, lightest first: the couple chooses the weight.
WEIGHTS: dict[str, Promise] = {"light": _("Light"), "deeper": _("Deeper"), "hard": _("Hard")}
SMALLEST = 150
TEXT_LONGEST = 200
ID_PATTERN = re.compile(r"^[a-z][a-z-]*-\d{2,}$")


class BankError(ValueError):
    """The bank is broken; the message says which file, which prompt and what is wrong."""


@dataclass(frozen=True)
class Prompt:
    id: str
    theme: str
    weight: str
    text: str


@dataclass(frozen=True)
class Theme:
    slug: str
    order: int
    title: str
    summary: str
    source: str


@dataclass(frozen=True)
class Bank:
    themes: tuple[Theme, ...]
    prompts: tuple[Prompt, ...]
    retired: frozenset[str] = frozenset()

    def theme(self, slug: str) -> Theme | None:
        return next((t for t in self.themes if t.slug == slug), None)

    def prompt(self, prompt_id: str) -> Prompt | None:
        return self._by_id.get(prompt_id)

    def lane(self, theme: str, weight: str) -> tuple[Prompt, ...]:
        """The prompts of one theme and weight, in their file's order."""
        return tuple(p for p in self.prompts if p.theme == theme and p.weight == weight)

    def counts(self) -> dict[tuple[str, str], int]:
        return {(t.slug, w): len(self.lane(t.slug, w)) for t in self.themes for w in WEIGHTS}

    @cached_property
    def _by_id(self) -> dict[str, Prompt]:
        return {p.id: p for p in self.prompts}


def _theme_file(path: Path, order: int) -> tuple[Theme, list[Prompt]]:
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BankError(f"{where}: not valid TOML: {error}") from None
    unknown = set(data) - {"theme", "prompts"}
    if unknown:
        raise BankError(f"{where}: unknown tables {sorted(unknown)}")
    meta = data.get("theme")
    if not isinstance(meta, dict):
        raise BankError(f"{where}: needs a [theme] table")
    for key in ("slug", "title", "summary", "source"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise BankError(f"{where}: [theme] '{key}' is missing or empty")
    slug = meta["slug"]
    name = path.stem.split("_", 1)[-1]
    if slug != name:
        raise BankError(f"{where}: the theme slug must be the file's name after the number")
    theme = Theme(
        slug=slug, order=order, title=meta["title"], summary=meta["summary"], source=meta["source"]
    )
    raw = data.get("prompts")
    if not isinstance(raw, dict):
        raise BankError(f"{where}: needs a [prompts] table with {list(WEIGHTS)}")
    unknown_weights = set(raw) - set(WEIGHTS)
    if unknown_weights:
        raise BankError(f"{where}: weights {sorted(unknown_weights)} are not among {list(WEIGHTS)}")
    prompts = []
    for weight in WEIGHTS:
        entries = raw.get(weight)
        if not isinstance(entries, list) or not entries:
            raise BankError(f"{where}: theme {slug!r} has no {weight!r} prompts")
        for index, entry in enumerate(entries, start=1):
            at = f"{where} {weight} prompt {index}"
            if not isinstance(entry, dict) or set(entry) != {"id", "text"}:
                raise BankError(f'{at}: each prompt is {{ id = "…", text = "…" }}')
            prompt_id, text = entry["id"], entry["text"]
            if not isinstance(prompt_id, str) or not ID_PATTERN.match(prompt_id):
                raise BankError(f"{at}: id {prompt_id!r} must look like '{slug}-01'")
            if not prompt_id.startswith(f"{slug}-"):
                raise BankError(f"{at}: id {prompt_id!r} must start with its theme, '{slug}-'")
            at = f"{where} prompt {prompt_id!r}"
            if not isinstance(text, str) or not text.strip():
                raise BankError(f"{at}: the text is missing or empty")
            if len(text) > TEXT_LONGEST:
                raise BankError(f"{at}: longer than {TEXT_LONGEST} characters; keep it short")
            prompts.append(Prompt(id=prompt_id, theme=slug, weight=weight, text=text.strip()))
    return theme, prompts


def load_bank(folder: Path = FOLDER, *, smallest: int = SMALLEST) -> Bank:
    settings = folder / "0_bank.toml"
    if not settings.exists():
        raise BankError(f"{folder}: needs 0_bank.toml (the retired ids)")
    try:
        retired_raw = tomllib.loads(settings.read_text(encoding="utf-8")).get("retired", [])
    except tomllib.TOMLDecodeError as error:
        raise BankError(f"0_bank.toml: not valid TOML: {error}") from None
    if not isinstance(retired_raw, list) or not all(isinstance(r, str) for r in retired_raw):
        raise BankError("0_bank.toml: 'retired' must be a list of prompt ids")
    retired = frozenset(retired_raw)
    paths = [p for p in folder.glob("*.toml") if p != settings]
    try:
        paths.sort(key=lambda p: (int(p.stem.split("_")[0]), p.name))
    except ValueError:
        raise BankError(f"{folder}: theme files are named <order>_<theme>.toml") from None
    themes: list[Theme] = []
    prompts: list[Prompt] = []
    for order, path in enumerate(paths, start=1):
        theme, found = _theme_file(path, order)
        if any(t.slug == theme.slug for t in themes):
            raise BankError(f"{path.name}: theme {theme.slug!r} has two files")
        themes.append(theme)
        prompts.extend(found)
    if not themes:
        raise BankError(f"{folder}: no theme files")
    seen: dict[str, str] = {}
    for prompt in prompts:
        if prompt.id in seen:
            raise BankError(f"prompt id {prompt.id!r} is used twice ({seen[prompt.id]})")
        if prompt.id in retired:
            raise BankError(f"prompt id {prompt.id!r} was retired and must not come back")
        seen[prompt.id] = f"{prompt.theme}, {prompt.weight}"
    texts: dict[str, str] = {}
    for prompt in prompts:
        key = prompt.text.casefold()
        if key in texts:
            raise BankError(f"prompt {prompt.id!r} repeats the words of {texts[key]!r}")
        texts[key] = prompt.id
    if len(prompts) < smallest:
        raise BankError(f"the bank has {len(prompts)} prompts; it needs at least {smallest}")
    return Bank(themes=tuple(themes), prompts=tuple(prompts), retired=retired)


@cache
def bank() -> Bank:
    """The shipped bank, loaded once per process."""
    return load_bank()
