"""Django's and allauth's sign-in backends, with one change: loading the signed-in person.

``get_user`` runs on every signed-in request (``AuthenticationMiddleware`` calls it with the id the
session holds). The stock one asks the ORM for ``User.objects.get(pk=...)``: building the queryset
and compiling its SQL cost about five times the statement itself, and it was the largest part of a
signed-in request's fixed cost (docs/performance.md, "A cheaper signed-in request"). Here it is one
plain ``SELECT`` of the user table's own columns, turned into a ``User`` by ``Model.from_db`` as the
ORM does. Same row, same checks after it (an inactive person is no one; Django then compares the
session's hash of the password with the row's).

Signing in (``authenticate``) is untouched.
"""

from __future__ import annotations

from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends
from django.db import connections

from repair.couples.models import User


def person_for_session(*, user_id: Any) -> User | None:
    """The person whose id a session holds, every column of their row, or None."""
    pk = User._meta.pk
    assert pk is not None
    user_id = pk.to_python(user_id)
    database = User._default_manager.db
    connection = connections[database]
    if connection.vendor != "postgresql":
        # SQLite (`make run`) hands dates back as text that the ORM's converters turn into values.
        return User._default_manager.filter(pk=user_id).first()
    fields = User._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(User._meta.db_table)} WHERE {quote(str(pk.column))} = %s",  # noqa: S608 (names from the model, the id a parameter)
            [user_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return User.from_db(database, [field.attname for field in fields], row)


class _LoadsPersonPlainly:
    def get_user(self, user_id: Any) -> User | None:
        user = person_for_session(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_LoadsPersonPlainly, django_backends.ModelBackend):
    pass


class AuthenticationBackend(_LoadsPersonPlainly, allauth_backends.AuthenticationBackend):  # type: ignore[misc]
    pass
