"""The staged repair program as data: one TOML file per stage in this folder, loaded and checked here.

A content change is a text edit to a TOML file: no migration, no template change. Responses refer to
exercises by their stable ``slug``; never rename a slug that couples may already have answered.
``python manage.py program_check`` (and a test) validates every file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from pathlib import Path

from repair.program.library import Read, ReadError, library, read_by_slug

FOLDER = Path(__file__).resolve().parent

EXERCISE_TYPES = (
    "reflection",
    "reveal",
    "conversation",
    "map",
    "agreement",
    "practice",
    "apology",
    "questions",
)
STAGE_SLUGS = ("safety", "attunement", "consent", "meaning", "sustaining")
MAP_ANSWERS = ("yes", "maybe", "not_now")
# The roles a prompt is written for (repair.program.selectors.roles_for): the partner who was hurt,
# the partner who caused the hurt, and everyone else (neutral roles, roles not agreed yet, or both
# hurt each other outside a direction), whom no prompt ever asks to apologise.
ROLES = ("hurt", "involved", "neutral")
# Types whose every exercise is written per role (the Atone steps); others may be, and then must be
# written for all three roles.
ROLE_PROMPT_TYPES: tuple[str, ...] = ("apology", "questions")
# Who keeps the floor in a one-speaker conversation: the hurt partner telling the injury, what lies
# under the anger, what was lost, and asking for comfort; the involved partner telling their remorse.
SPEAKERS = ("", "hurt", "involved")
# Slugs of exercises taken out of the program. Couples' rows still name them (their own words stay
# in their download), so a slug here can never be used again, for anything.
RETIRED_SLUGS = (
    # Private reflections until the Meaning-making steps became told and heard (issue 14): now
    # meaning-under-the-anger and meaning-grief-told.
    "meaning-under-the-surface",
    "meaning-what-was-lost",
)

# Words that ask the reader to apologise or to own the injury, and words that ask what one needs
# from the other's apology. The first never reach a hurt or neutral prompt, the second never an
# involved one: the checker refuses such content (tests/test_program_roles_prompts.py walks the
# pages as well).
ASKS_TO_APOLOGISE = re.compile(
    r"(write|writing|offer|give) (your|an|a full|the) apology|your apology|apologi[sz]e (to|for)"
    r"|\bown it\b|you had a part in|your (part|responsibility):",
    re.IGNORECASE,
)
ASKS_WHAT_APOLOGY_NEEDS = re.compile(
    r"need (from|in) (an|the|their|your partner's) apology|need an apology|need them to own",
    re.IGNORECASE,
)


class ProgramError(ValueError):
    """The content is broken; the message says which file, which exercise and what is wrong."""


@dataclass(frozen=True)
class MapItem:
    key: str
    label: str
    group: str


@dataclass(frozen=True)
class Exercise:
    slug: str
    stage: str
    type: str
    title: str
    purpose: str
    instructions: str
    source: str
    required: bool = True
    # What makes the couple safer (the pause plan, the honesty agreement): the one kind of
    # exercise that cannot be skipped. Anything else can be, privately, without a reason.
    essential: bool = False
    # reflection, reveal, conversation: what to write about, the same for everyone; or, for an
    # exercise whose models differ by role, one prompt per role and no plain one.
    prompt: str = ""
    prompt_hurt: str = ""
    prompt_involved: str = ""
    prompt_neutral: str = ""
    # reveal: shown beside both answers once both are in.
    discussion: str = ""
    # map: the items answered yes / maybe / not now.
    items: tuple[MapItem, ...] = ()
    # agreement: the starting text the couple edits, and days between reviews.
    template: str = ""
    review_days: int = 30
    # practice: seconds on the timer and the guided steps; a ladder groups practices into steps.
    duration_seconds: int = 0
    steps: tuple[str, ...] = ()
    ladder: str = ""
    ladder_step: int = 0
    # conversation: ends with a commitment note agreed by both.
    commitment: bool = False
    # conversation: "hurt" (or "involved") for one speaker: that partner keeps the floor and the
    # other only reflects back, until the speaker says they have said what they need to. It runs
    # once per direction of hurt (twice where both hurt each other), like the Atone steps.
    speaker: str = ""
    # A one-speaker conversation with a closing note: what the note asks of the teller and of the
    # listener (the comfort given, after it was asked for). Without these, the plain note.
    note_teller: str = ""
    note_listener: str = ""
    # A one-speaker conversation held as an ordinary two-way speaker-listener talk, floor passing,
    # when no direction is agreed (roles neutral, or not agreed yet), instead of being set aside.
    # Only for a hurt partner's telling: nobody is ever asked to show remorse without roles.
    two_way_when_neutral: bool = False
    # The slug of an exercise that must be done first (for an Atone step: done in the same
    # direction), e.g. the apology only after the injury has been told and heard.
    after: str = ""
    # agreement: "involved" for one partner's own commitments (transparency): only the partner
    # who caused the hurt writes them; the hurt partner reads and accepts them into force.
    author: str = ""
    # The stage's closing reflection.
    closing: bool = False
    # Reads from the library (repair/program/reads/) offered on the exercise's page, by slug.
    reads: tuple[str, ...] = ()

    def read_list(self) -> list[Read]:
        """The exercise's reads (``load_program`` checked that each exists)."""
        return [read for slug in self.reads if (read := read_by_slug(slug)) is not None]

    @property
    def directional(self) -> bool:
        """An Atone step: it runs once for each direction of hurt the couple agreed (once for one
        hurt, twice where both hurt each other) and is not asked of anyone under neutral roles."""
        return (
            self.type in ("apology", "questions") or bool(self.speaker) or self.author == "involved"
        )

    @property
    def skippable(self) -> bool:
        return not self.essential

    @property
    def by_role(self) -> bool:
        return self.type in ROLE_PROMPT_TYPES or any(
            (self.prompt_hurt, self.prompt_involved, self.prompt_neutral)
        )

    def prompt_for(self, role: str) -> str:
        """The wording for a person in this role (hurt, involved or neutral). An exercise written
        per role never falls back to another role's words: anything but hurt or involved gets
        the neutral prompt."""
        if not self.by_role:
            return self.prompt
        if role == "hurt":
            return self.prompt_hurt
        if role == "involved":
            return self.prompt_involved
        return self.prompt_neutral


@dataclass(frozen=True)
class Stage:
    slug: str
    order: int
    title: str
    summary: str
    why: str
    source: str
    exercises: tuple[Exercise, ...] = field(default_factory=tuple)

    @property
    def required(self) -> tuple[Exercise, ...]:
        return tuple(e for e in self.exercises if e.required)


@dataclass(frozen=True)
class Program:
    stages: tuple[Stage, ...]

    def stage(self, slug: str) -> Stage | None:
        return next((s for s in self.stages if s.slug == slug), None)

    def exercise(self, slug: str) -> Exercise | None:
        return next((e for s in self.stages for e in s.exercises if e.slug == slug), None)

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        return tuple(e for s in self.stages for e in s.exercises)


_TEXT = ("title", "purpose", "instructions", "source")
_EXERCISE_KEYS = {f.name for f in Exercise.__dataclass_fields__.values()} - {"stage"}
# The type each plain key must have (a field's default tells it; fields without one are text), so a
# quoted number or a quoted "false" fails here instead of loading as a truthy string.
_KEY_TYPES = {
    f.name: str if f.default is MISSING else type(f.default)
    for f in fields(Exercise)
    if f.name not in ("stage", "items", "steps", "reads")
}


def _fail(where: str, message: str) -> ProgramError:
    return ProgramError(f"{where}: {message}")


def _exercise(raw: dict[str, object], stage: str, where: str) -> Exercise:
    unknown = set(raw) - _EXERCISE_KEYS
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    for key in ("slug", "type", *_TEXT):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _fail(where, f"'{key}' is missing or empty")
    for key, value in raw.items():
        expected = _KEY_TYPES.get(key)
        if expected is not None and type(value) is not expected:
            wanted = {str: "text", bool: "true or false", int: "a whole number"}[expected]
            raise _fail(where, f"'{key}' must be {wanted}, not {value!r}")
    kind = str(raw["type"])
    if kind not in EXERCISE_TYPES:
        raise _fail(where, f"type {kind!r} is not one of {EXERCISE_TYPES}")
    items_raw = raw.get("items", [])
    if not isinstance(items_raw, list):
        raise _fail(where, "'items' must be a list of tables")
    items = []
    for item in items_raw:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) and item.get(k) for k in ("key", "label", "group")
        ):
            raise _fail(where, "each map item needs key, label and group")
        items.append(MapItem(key=item["key"], label=item["label"], group=item["group"]))
    steps_raw = raw.get("steps", [])
    if not isinstance(steps_raw, list) or not all(isinstance(s, str) and s for s in steps_raw):
        raise _fail(where, "'steps' must be a list of strings")
    reads_raw = raw.get("reads", [])
    if not isinstance(reads_raw, list) or not all(isinstance(r, str) and r for r in reads_raw):
        raise _fail(where, "'reads' must be a list of read slugs")
    values = {k: v for k, v in raw.items() if k not in ("items", "steps", "reads")}
    try:
        exercise = Exercise(
            stage=stage,
            items=tuple(items),
            steps=tuple(steps_raw),
            reads=tuple(reads_raw),
            **values,  # type: ignore[arg-type]
        )
    except TypeError as error:
        raise _fail(where, str(error)) from None
    if exercise.by_role:
        for role in ROLES:
            if not getattr(exercise, f"prompt_{role}").strip():
                raise _fail(
                    where, f"an exercise written per role needs 'prompt_{role}' (roles: {ROLES})"
                )
        if exercise.prompt:
            raise _fail(where, "an exercise written per role has no plain 'prompt'")
        for role in ("hurt", "neutral"):
            if ASKS_TO_APOLOGISE.search(getattr(exercise, f"prompt_{role}")):
                raise _fail(where, f"'prompt_{role}' asks the reader to apologise")
        if ASKS_WHAT_APOLOGY_NEEDS.search(exercise.prompt_involved):
            raise _fail(where, "'prompt_involved' asks what they need from an apology")
    elif ASKS_TO_APOLOGISE.search(exercise.prompt):
        raise _fail(where, "a prompt for everyone asks the reader to apologise: write it per role")
    prompt = () if exercise.by_role else ("prompt",)
    needs = {
        "reflection": prompt,
        "reveal": (*prompt, "discussion"),
        "conversation": prompt,
        "map": ("items",),
        "agreement": ("template",),
        "practice": ("duration_seconds", "steps"),
        "apology": (),
        "questions": (),
    }[kind]
    for key in needs:
        if not getattr(exercise, key):
            raise _fail(where, f"a {kind} exercise needs '{key}'")
    if exercise.speaker not in SPEAKERS:
        raise _fail(where, f"speaker {exercise.speaker!r} is not one of {SPEAKERS}")
    if exercise.speaker and (kind != "conversation" or not exercise.by_role):
        raise _fail(where, "a one-speaker exercise is a conversation written per role")
    if (exercise.note_teller or exercise.note_listener) and not (
        exercise.speaker and exercise.commitment and exercise.note_teller and exercise.note_listener
    ):
        raise _fail(
            where,
            "'note_teller' and 'note_listener' go together, on a one-speaker "
            "conversation with a commitment note",
        )
    if exercise.two_way_when_neutral and exercise.speaker != "hurt":
        raise _fail(where, "only a hurt partner's telling is held two-way without roles")
    if exercise.author not in ("", "involved") or (exercise.author and kind != "agreement"):
        raise _fail(where, "'author' is \"involved\", for an agreement only")
    if kind == "map" and len({i.key for i in exercise.items}) != len(exercise.items):
        raise _fail(where, "map item keys must be unique")
    if exercise.ladder and exercise.ladder_step < 1:
        raise _fail(where, "a practice in a ladder needs ladder_step 1, 2, 3…")
    return exercise


def load_stage(path: Path) -> Stage:
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise _fail(where, f"not valid TOML: {error}") from None
    meta = data.get("stage")
    if not isinstance(meta, dict):
        raise _fail(where, "needs a [stage] table")
    for key in ("slug", "title", "summary", "why", "source"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise _fail(where, f"[stage] '{key}' is missing or empty")
    if meta["slug"] not in STAGE_SLUGS:
        raise _fail(where, f"stage slug {meta['slug']!r} is not one of {STAGE_SLUGS}")
    raw_exercises = data.get("exercise", [])
    if not isinstance(raw_exercises, list) or not raw_exercises:
        raise _fail(where, "needs [[exercise]] entries")
    exercises = tuple(
        _exercise(raw, meta["slug"], f"{where} exercise {raw.get('slug', index + 1)!r}")
        for index, raw in enumerate(raw_exercises)
    )
    closing = [e for e in exercises if e.closing]
    if len(closing) != 1 or closing[0] is not exercises[-1] or closing[0].type != "reflection":
        raise _fail(
            where, "the last exercise, and only it, must be the closing reflection (closing = true)"
        )
    return Stage(
        slug=meta["slug"],
        order=STAGE_SLUGS.index(meta["slug"]) + 1,
        title=meta["title"],
        summary=meta["summary"],
        why=meta["why"],
        source=meta["source"],
        exercises=exercises,
    )


def known_read_slugs() -> set[str]:
    """The slugs of the reading library, for checking the reads exercises name; a broken library
    is a ProgramError like broken content."""
    try:
        return {read.slug for read in library()}
    except ReadError as error:
        raise ProgramError(f"the reading library: {error}") from None


def load_program(folder: Path = FOLDER) -> Program:
    stages = sorted((load_stage(p) for p in folder.glob("*.toml")), key=lambda s: s.order)
    slugs = [s.slug for s in stages]
    if slugs != list(STAGE_SLUGS):
        raise ProgramError(f"expected one file for each stage {STAGE_SLUGS}, found {slugs}")
    seen: set[str] = set()
    for exercise in (e for s in stages for e in s.exercises):
        if exercise.slug in seen:
            raise ProgramError(f"exercise slug {exercise.slug!r} is used twice")
        if exercise.slug in RETIRED_SLUGS:
            raise ProgramError(f"exercise slug {exercise.slug!r} was retired: choose a new one")
        seen.add(exercise.slug)
    known_reads = known_read_slugs()
    for exercise in (e for s in stages for e in s.exercises):
        unknown = [slug for slug in exercise.reads if slug not in known_reads]
        if unknown:
            raise ProgramError(
                f"exercise {exercise.slug!r} names no read in the library: {unknown}"
            )
    for exercise in (e for s in stages for e in s.exercises if e.after):
        before = next((e for s in stages for e in s.exercises if e.slug == exercise.after), None)
        if before is None:
            raise ProgramError(
                f"{exercise.slug!r} comes after {exercise.after!r}, which is not there"
            )
    ladders: dict[str, list[int]] = {}
    for exercise in (e for s in stages for e in s.exercises if e.ladder):
        ladders.setdefault(exercise.ladder, []).append(exercise.ladder_step)
    for name, steps in ladders.items():
        if sorted(steps) != list(range(1, len(steps) + 1)):
            raise ProgramError(
                f"ladder {name!r} must have steps 1..n once each, has {sorted(steps)}"
            )
    return Program(stages=tuple(stages))


@cache
def program() -> Program:
    """The shipped program, loaded once per process."""
    return load_program()
