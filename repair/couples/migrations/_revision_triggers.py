"""The SQL of the couple-revision triggers, kept only for the migrations that installed them
(repair 0005/0006, checkins 0003, rituals 0003/0004) and the ones that remove them again (repair
0008, checkins 0004, rituals 0005). The app no longer has a revision: the pages it keyed cached
bodies by are drawn on every request (docs/performance.md, "The page caches removed"). A module
whose name starts with "_" is not a migration, so Django's loader leaves it alone.

Each ``watch`` installed triggers that bumped ``repair_couple.revision`` for every couple the
written rows belonged to: per statement over transition tables on PostgreSQL, per row on SQLite.
``unwatch`` is the same operation the other way round: it drops them, and migrating backwards
installs them again, exactly as ``watch`` did. Frozen: never change the SQL below, or a database
migrated backwards gets triggers its history never had.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

COUPLE_TABLE = "repair_couple"
# "Rows" in the SQL below are the rows a statement wrote (both before and after, for an update).
ROWS = "{rows}"


# Every name and clause below comes from a migration's constants, never from a request (S608).
def _pg_function(name: str, couples: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"  # noqa: S608
        f"BEGIN\n"
        f"  UPDATE {COUPLE_TABLE} SET revision = revision + 1 WHERE id IN ({couples});\n"
        f"  RETURN NULL;\n"
        f"END $$"
    )


def _postgres(table: str, columns: Sequence[str], couples: str) -> tuple[list[str], list[str]]:
    name = f"mend_rev_{table}"
    listed = ", ".join(columns)
    both = f"(SELECT {listed} FROM written UNION ALL SELECT {listed} FROM before)"  # noqa: S608
    create = [
        _pg_function(name, couples.replace(ROWS, "written")),
        _pg_function(f"{name}_upd", couples.replace(ROWS, both)),
        f"CREATE TRIGGER {name}_ins AFTER INSERT ON {table} REFERENCING NEW TABLE AS written "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        f"CREATE TRIGGER {name}_upd AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS before NEW TABLE AS written "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_upd()",
        f"CREATE TRIGGER {name}_del AFTER DELETE ON {table} REFERENCING OLD TABLE AS written "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]
    drop = [
        f"DROP TRIGGER IF EXISTS {name}_{event} ON {table}" for event in ("ins", "upd", "del")
    ] + [f"DROP FUNCTION IF EXISTS {name}()", f"DROP FUNCTION IF EXISTS {name}_upd()"]
    return create, drop


def _sqlite(table: str, columns: Sequence[str], couples: str) -> tuple[list[str], list[str]]:
    name = f"mend_rev_{table}"

    def row(which: str) -> str:
        return "SELECT " + ", ".join(f"{which}.{column} AS {column}" for column in columns)

    sources = {
        "ins": ("INSERT", f"({row('NEW')})"),
        "upd": ("UPDATE", f"({row('NEW')} UNION ALL {row('OLD')})"),
        "del": ("DELETE", f"({row('OLD')})"),
    }
    create = [
        f"CREATE TRIGGER {name}_{event} AFTER {verb} ON {table} BEGIN "  # noqa: S608
        f"UPDATE {COUPLE_TABLE} SET revision = revision + 1 "
        f"WHERE id IN ({couples.replace(ROWS, source)}); END"
        for event, (verb, source) in sources.items()
    ]
    drop = [f"DROP TRIGGER IF EXISTS {name}_{event}" for event in sources]
    return create, drop


def _statements(
    vendor: str, table: str, columns: Sequence[str], couples: str
) -> tuple[list[str], list[str]]:
    if vendor == "postgresql":
        return _postgres(table, columns, couples)
    if vendor == "sqlite":
        return _sqlite(table, columns, couples)
    raise NotImplementedError(
        f"No revision triggers for {vendor}: Mend runs on PostgreSQL or SQLite."
    )


def watch(*, table: str, columns: Sequence[str], couples: str) -> migrations.RunPython:
    """A migration operation that bumps the revision of the couples that rows written to ``table``
    belong to. ``couples`` is a SELECT of couple ids from ``{rows}`` (aliased, e.g. ``{rows} AS
    r``), which holds the written rows' ``columns``: new rows, old rows, or both for an update."""

    return _run_sql(lambda vendor: _statements(vendor, table, columns, couples))


def unwatch(*, table: str, columns: Sequence[str], couples: str) -> migrations.RunPython:
    """``watch`` reversed: drops the triggers (forwards) and installs them again (backwards). Takes
    the same arguments as the ``watch`` it undoes, so that backwards is exactly that ``watch``."""

    return _run_sql(lambda vendor: _statements(vendor, table, columns, couples), forwards=False)


def guard_couple_row(forwards: bool = True) -> migrations.RunPython:
    """Any update of a couple row moves its revision forward, whatever the update wrote to it."""
    postgres = (
        [
            "CREATE OR REPLACE FUNCTION mend_rev_couple_guard() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN NEW.revision := OLD.revision + 1; RETURN NEW; END $$",
            f"CREATE TRIGGER mend_rev_couple_guard BEFORE UPDATE ON {COUPLE_TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION mend_rev_couple_guard()",
        ],
        [
            f"DROP TRIGGER IF EXISTS mend_rev_couple_guard ON {COUPLE_TABLE}",
            "DROP FUNCTION IF EXISTS mend_rev_couple_guard()",
        ],
    )
    # SQLite can't assign to NEW; an update that did not move the number forward is followed by
    # one that does (recursive triggers are off, so this one doesn't fire itself).
    sqlite = (
        [
            f"CREATE TRIGGER mend_rev_couple_guard AFTER UPDATE ON {COUPLE_TABLE} "  # noqa: S608
            "WHEN NEW.revision <= OLD.revision BEGIN "
            f"UPDATE {COUPLE_TABLE} SET revision = OLD.revision + 1 WHERE id = NEW.id; END"
        ],
        ["DROP TRIGGER IF EXISTS mend_rev_couple_guard"],
    )

    return _run_sql(lambda vendor: {"postgresql": postgres, "sqlite": sqlite}[vendor], forwards)


def unguard_couple_row() -> migrations.RunPython:
    """``guard_couple_row`` reversed: drops the couple row's own trigger; backwards, installs it."""
    return guard_couple_row(forwards=False)


def _run_sql(
    statements: Callable[[str], tuple[list[str], list[str]]], forwards: bool = True
) -> migrations.RunPython:
    """A migration operation running, for the database's vendor, ``statements(vendor)``: the SQL
    that installs and the SQL that removes; installing runs forwards unless ``forwards`` is
    false, when the operation removes forwards and installs backwards."""

    def run(install: bool) -> Callable[[Any, BaseDatabaseSchemaEditor], None]:
        def apply(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
            create, drop = statements(schema_editor.connection.vendor)
            for statement in create if install else drop:
                schema_editor.execute(statement, params=None)

        return apply

    return migrations.RunPython(run(forwards), run(not forwards))
