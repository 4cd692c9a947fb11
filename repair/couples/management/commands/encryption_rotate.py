from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from repair.lib.crypto import FieldDecryptionError, encrypted_fields, seal_rows


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted text field with the newest key in FIELD_ENCRYPTION_KEYS (and "
        "encrypt any plain text left over). Safe to run again; prints counts per model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="rows per read and bulk update (500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            try:
                counts = seal_rows(model, fields, rotate=True, batch_size=batch_size)
            except FieldDecryptionError as error:
                # Batches before the failing row are saved; after fixing the keys, run it again.
                raise CommandError(str(error), returncode=1) from None
            self.stdout.write(
                f"{model._meta.label} ({', '.join(fields)}): {counts.rotated} values re-encrypted, "
                f"{counts.encrypted} plain text encrypted, {counts.unchanged} already current or empty"
            )
        self.stdout.write(self.style.SUCCESS("Every encrypted field now uses the newest key."))
