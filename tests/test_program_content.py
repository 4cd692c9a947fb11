"""The shipped program content (repair/program/*.toml) and the checks that guard it.

No database: the program is plain files loaded by repair.program.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError

from repair.program.content import (
    EXERCISE_TYPES,
    FOLDER,
    RETIRED_SLUGS,
    STAGE_SLUGS,
    Program,
    ProgramError,
    load_program,
)
from repair.program.track_content import FOLDER as TRACK_FOLDER
from repair.program.track_content import load_tracks


@pytest.fixture(scope="module")
def shipped() -> Program:
    return load_program()


# --- The shipped content -----------------------------------------------------------------------


def test_shipped_program_loads_with_five_stages_in_order(shipped: Program) -> None:
    assert [s.slug for s in shipped.stages] == list(STAGE_SLUGS)
    assert [s.order for s in shipped.stages] == [1, 2, 3, 4, 5]


def test_every_stage_has_at_least_four_exercises_and_twenty_in_all(shipped: Program) -> None:
    for stage in shipped.stages:
        assert len(stage.exercises) >= 4, stage.slug
    assert len(shipped.exercises) >= 20


def test_every_exercise_type_is_used(shipped: Program) -> None:
    assert {e.type for e in shipped.exercises} == set(EXERCISE_TYPES)


def test_safety_has_a_reflection_reveal_agreement_and_practice(shipped: Program) -> None:
    safety = shipped.stage("safety")
    assert safety is not None
    types = {e.type for e in safety.exercises if not e.closing}
    assert {"reflection", "reveal", "agreement", "practice"} <= types


def test_every_exercise_has_stage_type_purpose_instructions_and_source(shipped: Program) -> None:
    for stage in shipped.stages:
        for exercise in stage.exercises:
            assert exercise.stage == stage.slug
            assert exercise.type in EXERCISE_TYPES
            for text in (exercise.title, exercise.purpose, exercise.instructions, exercise.source):
                assert text.strip(), exercise.slug


def test_every_stage_has_its_why_summary_and_source(shipped: Program) -> None:
    for stage in shipped.stages:
        for text in (stage.title, stage.summary, stage.why, stage.source):
            assert text.strip(), stage.slug


def test_exercise_slugs_are_kebab_case_and_start_with_their_stage(shipped: Program) -> None:
    for exercise in shipped.exercises:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", exercise.slug), exercise.slug
        assert exercise.slug.startswith(f"{exercise.stage}-"), exercise.slug


def test_the_closing_reflection_is_last_and_required_in_every_stage(shipped: Program) -> None:
    for stage in shipped.stages:
        last = stage.exercises[-1]
        assert last.closing, stage.slug
        assert last.type == "reflection", stage.slug
        assert last.required, stage.slug
        assert [e for e in stage.exercises if e.closing] == [last]


def test_the_closeness_ladder_runs_from_step_one_in_order(shipped: Program) -> None:
    ladder = [e for e in shipped.exercises if e.ladder == "closeness"]
    assert 4 <= len(ladder) <= 6
    assert [e.ladder_step for e in ladder] == list(range(1, len(ladder) + 1))
    assert all(e.type == "practice" and e.stage == "consent" for e in ladder)


def test_the_closeness_ladder_never_blocks_finishing_a_stage(shipped: Program) -> None:
    # Each step opens only when both mark the last one comfortable: requiring it would pressure.
    assert not any(e.required for e in shipped.exercises if e.ladder)


def test_practices_have_a_sensible_timer_and_steps(shipped: Program) -> None:
    for exercise in (e for e in shipped.exercises if e.type == "practice"):
        assert 60 <= exercise.duration_seconds <= 900, exercise.slug
        assert len(exercise.steps) >= 3, exercise.slug


@pytest.mark.parametrize(
    ("slug", "kind"),
    [
        ("safety-pause-plan", "agreement"),
        ("attunement-trigger-map", "map"),
        ("attunement-apology", "apology"),
        ("attunement-telling", "conversation"),
        ("consent-intimacy-map", "map"),
        ("consent-reset-timeline", "agreement"),
        ("sustaining-resurfacing-plan", "agreement"),
    ],
)
def test_the_exercises_the_app_refers_to_exist_with_their_type(
    shipped: Program, slug: str, kind: str
) -> None:
    exercise = shipped.exercise(slug)
    assert exercise is not None, slug
    assert exercise.type == kind


def test_the_apology_and_the_telling_are_written_per_role_and_run_per_direction(
    shipped: Program,
) -> None:
    apology, telling = (
        shipped.exercise("attunement-apology"),
        shipped.exercise("attunement-telling"),
    )
    assert apology is not None
    assert telling is not None
    assert apology.by_role
    assert apology.directional
    assert telling.directional
    assert telling.speaker == "hurt"
    assert apology.after == "attunement-questions"
    assert len({apology.prompt_hurt, apology.prompt_involved, apology.prompt_neutral}) == 3
    assert apology.prompt_for("hurt") == apology.prompt_hurt
    assert apology.prompt_for("involved") == apology.prompt_involved
    # Anything else (neutral, roles not agreed) gets the neutral words, never another role's.
    assert apology.prompt_for("neutral") == apology.prompt_neutral
    assert apology.prompt_for("") == apology.prompt_neutral
    # The topic of the telling is the same sentence for both.
    assert telling.prompt_for("hurt") == telling.prompt_for("involved")


def test_the_atone_steps_come_before_any_touch_work(shipped: Program) -> None:
    order = [e.slug for e in shipped.exercises]
    first_touch = min(order.index(e.slug) for e in shipped.exercises if e.ladder)
    for slug in (
        "attunement-telling",
        "attunement-questions",
        "attunement-apology",
        "attunement-transparency",
    ):
        assert order.index(slug) < first_touch


# The Meaning-making steps the attachment-injury model has told (care.md, Johnson's steps 2, 4, 5,
# 6 and 7): who holds the floor in each, and the step its source names.
MEANING_TOLD = [
    ("meaning-under-the-anger", "hurt", "step 2"),
    ("meaning-grief-told", "hurt", "step 4"),
    ("meaning-remorse", "involved", "step 5"),
    ("meaning-asking-for-comfort", "hurt", "steps 6 and 7"),
]


@pytest.mark.parametrize(("slug", "speaker", "step"), MEANING_TOLD)
def test_the_meaning_steps_the_model_has_told_are_conversations_with_the_right_speaker(
    shipped: Program, slug: str, speaker: str, step: str
) -> None:
    exercise = shipped.exercise(slug)
    assert exercise is not None, slug
    assert exercise.stage == "meaning"
    assert exercise.type == "conversation"
    assert exercise.speaker == speaker
    assert exercise.directional  # once per direction where both hurt each other
    assert f"attachment-injury resolution {step}" in exercise.source
    # The topic is the same sentence for the one telling and the one listening.
    assert exercise.prompt_for("hurt") == exercise.prompt_for("involved")
    # Without agreed roles a hurt partner's telling is held two-way; remorse is asked of nobody.
    assert exercise.two_way_when_neutral is (speaker == "hurt")


def test_the_meaning_steps_come_in_the_models_order_and_no_private_writing_stands_in(
    shipped: Program,
) -> None:
    meaning = shipped.stage("meaning")
    assert meaning is not None
    order = [e.slug for e in meaning.exercises]
    told = [slug for slug, _, _ in MEANING_TOLD]
    assert [s for s in order if s in told] == told
    assert order.index("meaning-asking-for-comfort") < order.index("meaning-our-new-story")
    assert not [e.slug for e in meaning.exercises if e.type == "reflection" and not e.closing]
    comfort = shipped.exercise("meaning-asking-for-comfort")
    assert comfort is not None
    assert comfort.commitment
    assert comfort.note_listener
    assert comfort.note_teller
    story = shipped.exercise("meaning-our-new-story")
    assert story is not None
    assert story.type == "reveal"
    assert "step 8" in story.source


def test_retired_slugs_are_never_shipped_again(shipped: Program) -> None:
    assert RETIRED_SLUGS
    assert not {e.slug for e in shipped.exercises} & set(RETIRED_SLUGS)


def test_the_safety_stage_says_who_couple_work_is_for(shipped: Program) -> None:
    safety = shipped.stage("safety")
    assert safety is not None
    assert "physically safe" in safety.why
    assert "Support page" in safety.why


def test_the_text_uses_british_spelling(shipped: Program) -> None:
    words = re.compile(r"\b(color|judgment|practicing|practiced|apologize|synchronized|behavior)\b")
    for path in sorted([*FOLDER.glob("*.toml"), *TRACK_FOLDER.glob("*.toml")]):
        assert not words.search(path.read_text(encoding="utf-8").lower()), path.name


# --- Broken content fails, and says where ------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for path in FOLDER.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _drop_key(path: Path, slug: str, key: str) -> None:
    """Remove the first `key = …` line after the exercise with this slug."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f'slug = "{slug}"')
    rest, count = re.subn(rf"^{key} = .*\n", "", text[start:], count=1, flags=re.MULTILINE)
    assert count == 1
    path.write_text(text[:start] + rest, encoding="utf-8")


def missing_source(folder: Path) -> tuple[str, ...]:
    _drop_key(folder / "2_attunement.toml", "attunement-speaker-listener", "source")
    return ("2_attunement.toml", "attunement-speaker-listener", "'source'")


def unknown_type(folder: Path) -> tuple[str, ...]:
    _replace(folder / "2_attunement.toml", 'type = "map"', 'type = "quiz"')
    return ("2_attunement.toml", "attunement-trigger-map", "'quiz'")


def unknown_key(folder: Path) -> tuple[str, ...]:
    path = folder / "1_safety.toml"
    _replace(path, 'slug = "safety-pause-plan"\n', 'slug = "safety-pause-plan"\ncolour = "blue"\n')
    return ("1_safety.toml", "safety-pause-plan", "colour")


def map_item_without_label(folder: Path) -> tuple[str, ...]:
    _replace(folder / "3_consent.toml", 'label = "Holding hands", ', "")
    return ("3_consent.toml", "consent-intimacy-map", "label")


def closing_reflection_not_last(folder: Path) -> tuple[str, ...]:
    path = folder / "5_sustaining.toml"
    extra = (
        '\n[[exercise]]\nslug = "sustaining-after-the-end"\ntype = "reflection"\n'
        'title = "t"\npurpose = "p"\ninstructions = "i"\nsource = "s"\nprompt = "q"\n'
    )
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return ("5_sustaining.toml", "closing")


def duplicate_slug_across_files(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "4_meaning.toml",
        'slug = "meaning-shared-project"',
        'slug = "safety-pause-plan"',
    )
    return ("safety-pause-plan", "twice")


def invalid_toml(folder: Path) -> tuple[str, ...]:
    path = folder / "3_consent.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\ntitle = "unclosed\n', encoding="utf-8")
    return ("3_consent.toml", "not valid TOML")


def missing_stage_file(folder: Path) -> tuple[str, ...]:
    (folder / "4_meaning.toml").unlink()
    return ("found ['safety', 'attunement', 'consent', 'sustaining']",)


def reveal_without_discussion(folder: Path) -> tuple[str, ...]:
    _drop_key(folder / "4_meaning.toml", "meaning-our-new-story", "discussion")
    return ("4_meaning.toml", "meaning-our-new-story", "'discussion'")


def ladder_with_a_gap(folder: Path) -> tuple[str, ...]:
    _replace(folder / "3_consent.toml", "ladder_step = 5", "ladder_step = 7")
    return ("closeness", "[1, 2, 3, 4, 7]")


def quoted_boolean(folder: Path) -> tuple[str, ...]:
    _replace(folder / "1_safety.toml", "required = false", 'required = "false"')
    return ("1_safety.toml", "safety-small-comforts", "'required'")


def role_prompt_missing(folder: Path) -> tuple[str, ...]:
    _drop_key(folder / "2_attunement.toml", "attunement-speaker-listener", "prompt_neutral")
    return ("2_attunement.toml", "attunement-speaker-listener", "'prompt_neutral'")


def plain_prompt_beside_role_prompts(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "2_attunement.toml",
        'prompt_neutral = "What the last few weeks',
        'prompt = "Anything."\nprompt_neutral = "What the last few weeks',
    )
    return ("attunement-speaker-listener", "no plain 'prompt'")


def hurt_prompt_asks_for_an_apology(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "2_attunement.toml",
        'prompt_hurt = """Read it slowly, when you\'re ready.',
        'prompt_hurt = """Write your apology in four parts.',
    )
    return ("attunement-apology", "'prompt_hurt' asks the reader to apologise")


def neutral_prompt_asks_for_an_apology(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "2_attunement.toml",
        "With the roles you chose, nobody is asked to apologise here.",
        "Think of a hurt you had a part in, and own it.",
    )
    return ("attunement-apology", "'prompt_neutral' asks the reader to apologise")


def involved_prompt_asks_what_they_need(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "2_attunement.toml",
        'prompt_involved = """Write your apology in four parts.',
        'prompt_involved = """Write what you need from an apology.',
    )
    return ("attunement-apology", "'prompt_involved' asks what they need")


def plain_prompt_asks_for_an_apology(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "4_meaning.toml",
        'prompt = "Write the story of this time',
        'prompt = "Write your apology, then the story of this time',
    )
    return ("meaning-our-new-story", "write it per role")


def retired_slug_used_again(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "4_meaning.toml", 'slug = "meaning-grief-told"', 'slug = "meaning-what-was-lost"'
    )
    return ("'meaning-what-was-lost' was retired",)


def remorse_held_two_way_without_roles(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "4_meaning.toml",
        'speaker = "involved"\n',
        'speaker = "involved"\ntwo_way_when_neutral = true\n',
    )
    return ("meaning-remorse", "only a hurt partner's telling is held two-way")


def unknown_speaker(folder: Path) -> tuple[str, ...]:
    _replace(folder / "4_meaning.toml", 'speaker = "involved"', 'speaker = "both"')
    return ("meaning-remorse", "speaker 'both'")


def note_without_its_pair(folder: Path) -> tuple[str, ...]:
    _drop_key(folder / "4_meaning.toml", "meaning-asking-for-comfort", "note_teller")
    return ("meaning-asking-for-comfort", "'note_teller' and 'note_listener' go together")


BREAKS: list[Callable[[Path], tuple[str, ...]]] = [
    retired_slug_used_again,
    remorse_held_two_way_without_roles,
    unknown_speaker,
    note_without_its_pair,
    role_prompt_missing,
    plain_prompt_beside_role_prompts,
    hurt_prompt_asks_for_an_apology,
    neutral_prompt_asks_for_an_apology,
    involved_prompt_asks_what_they_need,
    plain_prompt_asks_for_an_apology,
    missing_source,
    unknown_type,
    unknown_key,
    map_item_without_label,
    closing_reflection_not_last,
    duplicate_slug_across_files,
    invalid_toml,
    missing_stage_file,
    reveal_without_discussion,
    ladder_with_a_gap,
    quoted_boolean,
]


def test_the_copied_content_loads_before_it_is_broken(folder: Path) -> None:
    assert len(load_program(folder).exercises) == len(load_program().exercises)


@pytest.mark.parametrize("breaks", BREAKS, ids=lambda f: f.__name__)
def test_broken_content_fails_naming_where(
    folder: Path, breaks: Callable[[Path], tuple[str, ...]]
) -> None:
    expected = breaks(folder)
    with pytest.raises(ProgramError) as caught:
        load_program(folder)
    for text in expected:
        assert text in str(caught.value)


# --- Each partner's own track (repair/program/tracks/) ----------------------------------------------


def test_each_role_has_a_short_private_track_of_six_to_eight_exercises() -> None:
    shipped = load_tracks()
    assert [t.role for t in shipped.tracks] == ["hurt", "involved", "neutral"]
    for track in shipped.tracks:
        assert 6 <= len(track.exercises) <= 8, track.role
        for exercise in track.exercises:
            for key in ("title", "purpose", "instructions", "prompt", "source"):
                assert getattr(exercise, key).strip(), (exercise.slug, key)
            assert "seed" in exercise.source or "care.md" in exercise.source, exercise.slug


def test_track_slugs_never_collide_with_the_couples_exercises(shipped: Program) -> None:
    assert not {e.slug for e in load_tracks().exercises} & {e.slug for e in shipped.exercises}


@pytest.fixture
def track_folder(tmp_path: Path) -> Path:
    for path in TRACK_FOLDER.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def track_missing_source(folder: Path) -> tuple[str, ...]:
    _drop_key(folder / "involved.toml", "track-involved-same-question", "source")
    return ("tracks/involved.toml", "track-involved-same-question", "'source'")


def track_slug_of_another_role(folder: Path) -> tuple[str, ...]:
    _replace(folder / "hurt.toml", 'slug = "track-hurt-a-boundary"', 'slug = "track-neutral-x"')
    return ("tracks/hurt.toml", "track-neutral-x", "'track-hurt-'")


def track_unknown_key(folder: Path) -> tuple[str, ...]:
    _replace(folder / "neutral.toml", 'type = "practice"', 'type = "practice"\ncolour = "blue"')
    return ("tracks/neutral.toml", "track-neutral-steadying", "colour")


def track_practice_without_steps(folder: Path) -> tuple[str, ...]:
    path = folder / "hurt.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('slug = "track-hurt-steadying"')
    end = text.index("]\n", text.index("steps = [", start)) + 2
    path.write_text(text[:start] + text[start:end].split("steps = [")[0] + text[end:])
    return ("tracks/hurt.toml", "track-hurt-steadying", "'steps'")


def track_hurt_prompt_asks_for_an_apology(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "hurt.toml",
        'prompt = "Finish these sentences for yourself',
        'prompt = "Write your apology, then finish these sentences for yourself',
    )
    return ("tracks/hurt.toml", "track-hurt-your-needs", "apologise")


def track_names_an_unknown_read(folder: Path) -> tuple[str, ...]:
    _replace(folder / "involved.toml", 'reads = ["same-questions"]', 'reads = ["no-such-read"]')
    return ("track-involved-same-question", "no-such-read")


def track_file_missing(folder: Path) -> tuple[str, ...]:
    (folder / "neutral.toml").unlink()
    return ("one file for each role", "['hurt', 'involved']")


def track_role_in_the_wrong_file(folder: Path) -> tuple[str, ...]:
    _replace(folder / "neutral.toml", 'role = "neutral"', 'role = "hurt"')
    return ("tracks/neutral.toml", "hurt.toml")


def track_duplicate_slug(folder: Path) -> tuple[str, ...]:
    _replace(
        folder / "hurt.toml", 'slug = "track-hurt-kind-voice"', 'slug = "track-hurt-a-boundary"'
    )
    return ("track-hurt-a-boundary", "twice")


TRACK_BREAKS: list[Callable[[Path], tuple[str, ...]]] = [
    track_missing_source,
    track_slug_of_another_role,
    track_unknown_key,
    track_practice_without_steps,
    track_hurt_prompt_asks_for_an_apology,
    track_names_an_unknown_read,
    track_file_missing,
    track_role_in_the_wrong_file,
    track_duplicate_slug,
]


def test_the_copied_tracks_load_before_they_are_broken(track_folder: Path) -> None:
    assert len(load_tracks(track_folder).exercises) == len(load_tracks().exercises)


@pytest.mark.parametrize("breaks", TRACK_BREAKS, ids=lambda f: f.__name__)
def test_broken_track_fails_naming_where(
    track_folder: Path, breaks: Callable[[Path], tuple[str, ...]]
) -> None:
    expected = breaks(track_folder)
    with pytest.raises(ProgramError) as caught:
        load_tracks(track_folder)
    for text in expected:
        assert text in str(caught.value)


# --- python manage.py program_check ------------------------------------------------------------


def test_program_check_summarises_the_shipped_content(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("program_check")
    out = capsys.readouterr().out
    program = load_program()
    for stage in program.stages:
        assert stage.title in out
        # Counts by stage, with the types each uses.
        assert f"{stage.order}. {stage.title}: {len(stage.exercises)} exercises" in out
    # Counts by type, across the stages.
    reflections = sum(1 for e in program.exercises if e.type == "reflection")
    assert "By type: " in out
    assert f"reflection x{reflections}" in out
    # Counts by role: prompts written for the role, and the role's own track.
    for track in load_tracks().tracks:
        line = next(line for line in out.splitlines() if line.strip().startswith(track.role))
        assert f"{len(track.exercises)} exercises" in line, line
        assert track.title in line, line
        assert "prompts written for this role" in line, line
    assert f"Own tracks: 3 tracks, {len(load_tracks().exercises)} exercises" in out
    assert "Program OK" in out


def test_program_check_raises_naming_a_broken_track(track_folder: Path) -> None:
    track_missing_source(track_folder)
    with pytest.raises(CommandError, match="track-involved-same-question"):
        call_command("program_check", tracks=track_folder)


def test_program_check_raises_with_the_message_on_broken_content(folder: Path) -> None:
    unknown_type(folder)
    with pytest.raises(CommandError, match="attunement-trigger-map"):
        call_command("program_check", folder=folder)


def test_program_check_exits_non_zero_from_the_command_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    execute_from_command_line(["manage.py", "program_check", "--folder", str(folder)])
    invalid_toml(folder)
    with pytest.raises(SystemExit) as caught:
        execute_from_command_line(["manage.py", "program_check", "--folder", str(folder)])
    assert caught.value.code == 1
    assert "3_consent.toml" in capsys.readouterr().err
