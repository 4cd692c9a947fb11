"""Each partner's own track as data: one TOML file per role in ``repair/program/tracks/``
(``hurt.toml``, ``involved.toml``, ``neutral.toml``), loaded and checked here like the stages.

A track is a short private path beside the couple's exercises: the person writes for themselves
alone, and nothing of it ever reaches the partner (``repair/program/track.py`` reads and writes
it). Slugs are stable forever: a person's answers refer to them. ``python manage.py
program_check`` (and tests/test_program_content.py) validates every file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from repair.program.content import (
    ASKS_TO_APOLOGISE,
    ASKS_WHAT_APOLOGY_NEEDS,
    ROLES,
    ProgramError,
    known_read_slugs,
)
from repair.program.library import Read, read_by_slug

FOLDER = Path(__file__).resolve().parent / "tracks"

TRACK_TYPES = ("reflection", "practice")
_TEXT = ("slug", "type", "title", "purpose", "instructions", "prompt", "source")
_KEYS = {*_TEXT, "steps", "reads"}
_TRACK_TEXT = ("role", "title", "summary", "source")


@dataclass(frozen=True)
class TrackExercise:
    slug: str
    role: str
    type: str
    title: str
    purpose: str
    instructions: str
    prompt: str
    source: str
    # practice: the guided steps, done before writing.
    steps: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()

    def read_list(self) -> list[Read]:
        """The exercise's reads (``load_tracks`` checked that each exists)."""
        return [read for slug in self.reads if (read := read_by_slug(slug)) is not None]


@dataclass(frozen=True)
class Track:
    role: str
    title: str
    summary: str
    source: str
    exercises: tuple[TrackExercise, ...]

    def exercise(self, slug: str) -> TrackExercise | None:
        return next((e for e in self.exercises if e.slug == slug), None)


@dataclass(frozen=True)
class Tracks:
    tracks: tuple[Track, ...]

    def for_role(self, role: str) -> Track:
        return next(t for t in self.tracks if t.role == role)

    def exercise(self, slug: str) -> TrackExercise | None:
        return next((e for t in self.tracks for e in t.exercises if e.slug == slug), None)

    @property
    def exercises(self) -> tuple[TrackExercise, ...]:
        return tuple(e for t in self.tracks for e in t.exercises)


def _fail(where: str, message: str) -> ProgramError:
    return ProgramError(f"tracks/{where}: {message}")


def _strings(raw: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise _fail(where, f"'{key}' must be a list of text")
    return tuple(value)


def _exercise(raw: object, role: str, where: str) -> TrackExercise:
    if not isinstance(raw, dict):
        raise _fail(where, "each [[exercise]] must be a table")
    unknown = set(raw) - _KEYS
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    for key in _TEXT:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _fail(where, f"'{key}' is missing or empty")
    if raw["type"] not in TRACK_TYPES:
        raise _fail(where, f"type {raw['type']!r} is not one of {TRACK_TYPES}")
    prefix = f"track-{role}-"
    if not raw["slug"].startswith(prefix):
        raise _fail(where, f"a slug in this track starts with {prefix!r}")
    steps = _strings(raw, "steps", where)
    if raw["type"] == "practice" and not steps:
        raise _fail(where, "a practice needs 'steps'")
    if raw["type"] != "practice" and steps:
        raise _fail(where, "only a practice has 'steps'")
    # The hurt partner, and anyone without a role, is never asked to apologise or to own the
    # injury; the partner who caused it is never asked what they need from an apology.
    words = f"{raw['prompt']}\n{raw['instructions']}"
    if role in ("hurt", "neutral") and ASKS_TO_APOLOGISE.search(words):
        raise _fail(where, "the prompt or instructions ask the reader to apologise")
    if role == "involved" and ASKS_WHAT_APOLOGY_NEEDS.search(words):
        raise _fail(where, "the prompt or instructions ask what they need from an apology")
    return TrackExercise(
        slug=raw["slug"],
        role=role,
        type=raw["type"],
        title=raw["title"],
        purpose=raw["purpose"],
        instructions=raw["instructions"],
        prompt=raw["prompt"],
        source=raw["source"],
        steps=steps,
        reads=_strings(raw, "reads", where),
    )


def _name(raw: object, index: int) -> object:
    """What the checker calls an exercise: its slug, or its place in the file."""
    return raw.get("slug", index + 1) if isinstance(raw, dict) else index + 1


def load_track(path: Path) -> Track:
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise _fail(where, f"not valid TOML: {error}") from None
    unknown = set(data) - {"track", "exercise"}
    if unknown:
        raise _fail(where, f"unknown tables {sorted(unknown)}")
    meta = data.get("track")
    if not isinstance(meta, dict):
        raise _fail(where, "needs a [track] table")
    unknown = set(meta) - set(_TRACK_TEXT)
    if unknown:
        raise _fail(where, f"[track] has unknown keys {sorted(unknown)}")
    for key in _TRACK_TEXT:
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise _fail(where, f"[track] '{key}' is missing or empty")
    role = meta["role"]
    if role not in ROLES:
        raise _fail(where, f"role {role!r} is not one of {ROLES}")
    if path.stem != role:
        raise _fail(where, f"the file of the {role!r} track is named {role}.toml")
    raw_exercises = data.get("exercise", [])
    if not isinstance(raw_exercises, list) or not raw_exercises:
        raise _fail(where, "needs [[exercise]] entries")
    exercises = tuple(
        _exercise(raw, role, f"{where} exercise {_name(raw, index)!r}")
        for index, raw in enumerate(raw_exercises)
    )
    return Track(
        role=role,
        title=meta["title"],
        summary=meta["summary"],
        source=meta["source"],
        exercises=exercises,
    )


def load_tracks(folder: Path = FOLDER) -> Tracks:
    tracks = sorted(
        (load_track(path) for path in folder.glob("*.toml")), key=lambda t: ROLES.index(t.role)
    )
    roles = tuple(t.role for t in tracks)
    if roles != ROLES:
        raise ProgramError(f"tracks: expected one file for each role {ROLES}, found {list(roles)}")
    seen: set[str] = set()
    for exercise in (e for t in tracks for e in t.exercises):
        if exercise.slug in seen:
            raise ProgramError(f"tracks: exercise slug {exercise.slug!r} is used twice")
        seen.add(exercise.slug)
    known_reads = known_read_slugs()
    for exercise in (e for t in tracks for e in t.exercises):
        unknown = [slug for slug in exercise.reads if slug not in known_reads]
        if unknown:
            raise ProgramError(
                f"tracks/{exercise.role}.toml exercise {exercise.slug!r} names no read in "
                f"the library: {unknown}"
            )
    return Tracks(tracks=tuple(tracks))


@cache
def tracks() -> Tracks:
    """The shipped tracks, loaded once per process."""
    return load_tracks()
