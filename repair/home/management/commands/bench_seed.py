from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Seed a load-test database: N couples, each with a year of check-ins, program answers, "
        "rituals and marks (bulk inserts). For a database of its own; see docs/performance.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--couples", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        # The generator lives with the other benchmarks (tests/bench/seed.py): it is not product
        # code, and a deployment without the tests folder simply doesn't have this command's data.
        try:
            from tests.bench.seed import seed  # not in a deployment: see the comment above
        except ImportError as error:
            raise CommandError("bench_seed needs the repository's tests/bench folder.") from error
        if options["couples"] < 1:
            raise CommandError("--couples must be at least 1.")
        seed(couples=options["couples"], out=self.stdout.write)
