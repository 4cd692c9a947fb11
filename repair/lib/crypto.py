"""Encryption at rest for the words people write.

Every free-text field a person fills in (reflections and answers, agreements, conversation turns,
commitments, check-in notes, replies, gratitude notes) is an ``EncryptedTextField``. The database holds
``enc1:`` followed by a Fernet token (AES-128-CBC with HMAC-SHA256, a fresh IV each time), never the
words, so a dump, a backup or a replica read without the app's keys reveals none of them. The empty
string is stored as itself: "nothing written" is not a secret worth a token.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS``, newest first: the first encrypts, every one decrypts.
To rotate, put a new key in front, run ``manage.py encryption_rotate``, then drop the old key.

A value without the ``enc1:`` prefix is legacy plain text (written before this field existed, or by a
raw ``UPDATE``) and is read as it is; the data migrations and ``encryption_rotate`` encrypt such values.

The database can't read the words, so it can't compare or search them: any lookup other than
``isnull`` and ``= ""`` raises ``FieldError`` instead of quietly matching nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Combinable, Expression, ExpressionWrapper, F
from django.db.models.lookups import Exact, IsNull, Lookup

logger = logging.getLogger(__name__)

PREFIX = "enc1:"


class FieldDecryptionError(Exception):
    """Stored text that no key in ``FIELD_ENCRYPTION_KEYS`` opens.

    Raised rather than papered over with a placeholder: a page showing an empty reflection invites the
    person to write it again and save, and that save would replace the unreadable text for good, where
    restoring the right key would have brought it back. The message names the model and field only,
    never the stored token or any words. The visitor sees the ordinary error page ("What you saved
    before is safe"), which is true."""


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    """The keys in the settings now. Cached by the key list itself, so a changed setting (a test's
    override, a reload) takes effect without anyone clearing anything."""
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return PREFIX + fernet().encrypt(text.encode()).decode()


def decrypt(stored: str, *, label: str) -> str:
    """The words in a stored value; legacy plain text is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise _unreadable(label) from None


def _unreadable(label: str) -> FieldDecryptionError:
    message = (
        f"Could not decrypt {label}: no key in FIELD_ENCRYPTION_KEYS opens it. Was a key removed "
        "before `manage.py encryption_rotate` finished, or are these another deployment's keys?"
    )
    # Logged here too, in case a caller catches the error; no traceback (frames hold the token).
    logger.error(message)
    return FieldDecryptionError(message)


class Stored(str):
    """A value already in its stored form, written as it is (no encryption). Used by the rotation
    command and the migrations only; never build one from anything a person typed."""

    __slots__ = ()


class EncryptedTextField(models.TextField[str | Combinable, str]):
    """A ``TextField`` whose non-empty values are stored encrypted (see the module docstring)."""

    description = "Text, encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if isinstance(value, Stored):
            return str(value)
        return encrypt(value)

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None:
            return None
        return decrypt(value, label=self.encrypted_label)

    # to_python is left as TextField's. It is fed what a person typed (form and model validation) and
    # fixtures (dumpdata writes the words, not tokens); decrypting there would turn a note that
    # happens to begin with "enc1:" into an error. Stored tokens only ever come from from_db_value.

    @property
    def encrypted_label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _EmptyOnlyExact
        raise FieldError(
            f"{self.encrypted_label} is encrypted at rest: the database can't compare or search it "
            f"(lookup {lookup_name!r}). Filter on other fields and look at the text in Python."
        )

    def get_transform(self, lookup_name: str) -> Any:
        return None


class _EmptyOnlyExact(Exact):
    """``= ""`` works (the empty string is stored as itself); any other value would never match a
    token with a random IV, so it fails loudly instead."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "":
            raise FieldError(
                f"{self.lhs.output_field.encrypted_label} is encrypted at rest: only an exact match with "
                '"" works in the database.'
            )
        return ""


# --- Re-sealing rows: the data migrations and `manage.py encryption_rotate` --------------------------


@dataclass
class SealCounts:
    encrypted: int = 0  # legacy plain text, now encrypted
    rotated: int = 0  # a token re-encrypted with the newest key
    unchanged: int = 0  # empty, or already sealed as wanted


def seal_rows(
    model: type[models.Model], fields: Sequence[str], *, rotate: bool, batch_size: int = 500
) -> SealCounts:
    """Encrypt the legacy plain-text values of ``fields``; with ``rotate``, also re-encrypt every
    token the newest key didn't make (MultiFernet.rotate, which keeps the token's timestamp).

    Works on the stored values, never loading the words into model instances, in primary-key batches
    written with ``bulk_update``. Each batch is locked while it is read and rewritten, so an edit
    made meanwhile (the app keeps running during a rotation) waits instead of being overwritten with
    the old words. Idempotent: a second run finds everything sealed and writes nothing. A token no key
    opens stops the run with ``FieldDecryptionError`` naming the row; the batches before it are kept,
    and a re-run after fixing the keys carries on."""
    counts = SealCounts()
    stored_as = {
        f"_stored_{name}": ExpressionWrapper(F(name), output_field=models.TextField())
        for name in fields
    }
    rows = model._default_manager.order_by("pk").annotate(**stored_as).values_list("pk", *stored_as)
    last_pk: Any = None
    while True:
        with transaction.atomic(using=rows.db):
            page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            batch = list(page.select_for_update()[:batch_size])
            if not batch:
                return counts
            last_pk = batch[-1][0]
            _seal_batch(model, fields, batch, rotate=rotate, counts=counts)


def _seal_batch(
    model: type[models.Model],
    fields: Sequence[str],
    batch: list[tuple[Any, ...]],
    *,
    rotate: bool,
    counts: SealCounts,
) -> None:
    keys = fernet()
    newest = Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
    changed = []
    for pk, *values in batch:
        instance = model(pk=pk)
        dirty = False
        for name, stored in zip(fields, values, strict=True):
            if not stored:
                counts.unchanged += 1  # NULL or "": nothing written, nothing to hide
                setattr(instance, name, stored)
            elif not stored.startswith(PREFIX):
                counts.encrypted += 1
                setattr(instance, name, stored)  # plain text: the field encrypts it on save
                dirty = True
            elif rotate and not _opens(newest, stored):
                try:
                    fresh = keys.rotate(stored[len(PREFIX) :].encode()).decode()
                except InvalidToken:
                    raise _unreadable(f"{model._meta.label}.{name} (pk {pk})") from None
                counts.rotated += 1
                setattr(instance, name, Stored(PREFIX + fresh))
                dirty = True
            else:
                counts.unchanged += 1
                setattr(instance, name, Stored(stored))
        if dirty:
            changed.append(instance)
    if changed:
        model._default_manager.bulk_update(changed, list(fields))


def _opens(key: Fernet, stored: str) -> bool:
    try:
        key.decrypt(stored[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def unseal_rows(model: type[models.Model], fields: Sequence[str], *, batch_size: int = 500) -> int:
    """Write the words back as plain text: only for migrating backwards past the encryption."""
    done = 0
    rows = model._default_manager.order_by("pk").only("pk", *fields)
    last_pk: Any = None
    while True:
        batch = list((rows if last_pk is None else rows.filter(pk__gt=last_pk))[:batch_size])
        if not batch:
            return done
        last_pk = batch[-1].pk
        for instance in batch:
            for name in fields:
                value = getattr(instance, name)
                setattr(instance, name, value if value is None else Stored(value))
        model._default_manager.bulk_update(batch, list(fields))
        done += len(batch)
