from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from repair.program import track_content
from repair.program.bank import WEIGHTS, BankError, load_bank
from repair.program.content import FOLDER, ROLES, ProgramError, load_program
from repair.program.library import library
from repair.program.reconnection import ReconnectionError, load_sequence


def _kinds(counts: Counter[str]) -> str:
    return ", ".join(f"{kind} x{count}" for kind, count in sorted(counts.items()))


class Command(BaseCommand):
    help = (
        "Check the program's stage files and each partner's own track, and print the counts by "
        "stage, by role and by type."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--folder",
            type=Path,
            default=FOLDER,
            help="the folder of stage files to check (default: the shipped program)",
        )
        parser.add_argument(
            "--tracks",
            type=Path,
            default=track_content.FOLDER,
            help="the folder of own-track files to check (default: the shipped tracks)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        try:
            program = load_program(folder)
            tracks = track_content.load_tracks(options["tracks"])
        except ProgramError as error:
            # Printed as "CommandError: …" on stderr, exit status 1.
            raise CommandError(str(error), returncode=1) from None
        for stage in program.stages:
            used = _kinds(Counter(e.type for e in stage.exercises))
            self.stdout.write(
                f"{stage.order}. {stage.title}: {len(stage.exercises)} exercises "
                f"({len(stage.required)} required) · {used}"
            )
        self.stdout.write(f"By type: {_kinds(Counter(e.type for e in program.exercises))}")
        by_role = [e for e in program.exercises if e.by_role]
        self.stdout.write(f"Written per role (hurt, involved, neutral): {len(by_role)}")
        self.stdout.write("By role:")
        for role in ROLES:
            prompts = sum(1 for e in by_role if e.prompt_for(role).strip())
            track = tracks.for_role(role)
            self.stdout.write(
                f"  {role}: {prompts} prompts written for this role; own track "
                f"\u201c{track.title}\u201d: {len(track.exercises)} exercises "
                f"({_kinds(Counter(e.type for e in track.exercises))})"
            )
        self.stdout.write(
            f"Own tracks: {len(tracks.tracks)} tracks, {len(tracks.exercises)} exercises · "
            f"{_kinds(Counter(e.type for e in tracks.exercises))}"
        )
        ladders = Counter(e.ladder for e in program.exercises if e.ladder)
        for name, steps in ladders.items():
            self.stdout.write(f"Ladder {name!r}: {steps} steps")
        try:
            reconnection = load_sequence()
        except ReconnectionError as error:
            raise CommandError(f"reconnection: {error}", returncode=1) from None
        practices = sum(1 for s in reconnection.steps if s.steps)
        self.stdout.write(
            f"Reconnection (optional, after the closeness ladder): {len(reconnection.steps)} steps "
            f"({practices} guided practices, {len(reconnection.steps) - practices} to read)"
        )
        offered = sum(1 for e in program.exercises if e.reads)
        self.stdout.write(f"Reads: {len(library())}, offered on {offered} exercises' pages")
        self._bank_summary()
        self.stdout.write(
            self.style.SUCCESS(
                f"Program OK: {len(program.stages)} stages, {len(program.exercises)} exercises; "
                f"{len(tracks.exercises)} own-track exercises."
            )
        )

    def _bank_summary(self) -> None:
        """The prompt bank of the Sustaining stage: its size by theme and by weight."""
        try:
            found = load_bank()
        except BankError as error:
            raise CommandError(f"the prompt bank: {error}", returncode=1) from None
        counts = found.counts()
        self.stdout.write(f"Prompt bank: {len(found.prompts)} prompts")
        for theme in found.themes:
            parts = ", ".join(f"{weight} {counts[(theme.slug, weight)]}" for weight in WEIGHTS)
            self.stdout.write(f"  {theme.title}: {parts}")
        totals = ", ".join(
            f"{weight} {sum(counts[(t.slug, weight)] for t in found.themes)}" for weight in WEIGHTS
        )
        self.stdout.write(f"  By weight: {totals}")
