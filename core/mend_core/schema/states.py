"""The schemas a failed migration should have produced, computed in a shadow database.

*before*: the applied history replayed (schema-only; with its data statements when asked, or
when the schema-only replay fails, see `replayed_shadow`). Then the failed migration's statements
one at a time on top of it, the shadow inspected after each (only the tables it touched, where
that can be told: touched.py): the state after every statement, the objects each one changes,
and *after* (the last state). A statement that fails even on an empty replay (a syntax error,
an unknown table) leaves the state as it was and says why.

The replay is the slow part, so its result is cached, keyed by the checksums of the applied
migrations and of the failed one: the same incident inspected again needs no shadow at all, and
another failed migration on the same history needs only a shadow built from the cached
*before* (one DDL script, not the whole history).
"""

from __future__ import annotations

# The C pickler itself: pickle.py (its pure-Python fallback and its names) costs start-up time,
# and mend's own cache needs neither.
import _pickle
import hashlib
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from mend_core import __version__
from mend_core.database.runner import ScriptFailed, run_statements
from mend_core.database.session import Database
from mend_core.database.statements import Statement
from mend_core.history.checksum_cache import cache_dir
from mend_core.history.failure import FailureRecord
from mend_core.history.folder import LocalMigration
from mend_core.project.target import DatabaseTarget
from mend_core.records import record
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema, empty_schema
from mend_core.schema.objects import ObjectKey
from mend_core.schema.replay import ReplayReport, replayed_shadow
from mend_core.schema.shadow import shadow_database
from mend_core.schema.touched import Catalog, TouchedTables, inspect_like

_CACHE_VERSION = 3  # 2: the replay report says whether the data statements ran; 3: catalog
_MAX_CACHED = 32  # files kept in the cache folder; the oldest go first
_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL in Python 3.8 to 3.13


@record
class StatementState:
    """One statement of the failed migration, as replayed on top of *before*."""

    statement: Statement
    after: Schema  # the expected schema once it ran
    keys: frozenset[ObjectKey]  # the objects it changes
    data_only: bool = False  # a data statement: not replayed, the schema is unchanged
    replay_error: FailureRecord | None = None  # it fails even on the replayed schema


@record
class ExpectedStates:
    before: Schema
    statements: tuple[StatementState, ...]
    history: ReplayReport  # the applied migrations replayed, and what was skipped
    cached: bool = False  # read from the cache: no shadow was needed
    # SQLite: the shadow's catalog in the last state, which the live one is read against
    # (live_schema).
    catalog: Catalog | None = None

    @property
    def after(self) -> Schema:
        return self.statements[-1].after if self.statements else self.before

    @property
    def migration_keys(self) -> frozenset[ObjectKey]:
        """Every object the migration changes."""
        keys: set[ObjectKey] = set()
        for state in self.statements:
            keys |= state.keys
        return frozenset(keys)

    def state_before(self, index: int) -> Schema:
        """The expected schema just before statement `index` (1-based) runs."""
        return self.statements[index - 2].after if index > 1 else self.before


def expected_states(
    dialect: str,
    server: DatabaseTarget | None,
    applied: Sequence[LocalMigration],
    statements: Sequence[Statement],
    migration_checksum: str,
    shadow_url: DatabaseTarget | None = None,
    *,
    replay_data: bool = False,
) -> ExpectedStates:
    """The states, from the cache when the same history and migration were replayed before.
    `replay_data`: replay the history's data statements from the start (else only when the
    schema-only replay fails)."""
    mode = "data" if replay_data else "schema-only"
    history_key = _key(dialect, [("replay", mode), *((m.name, m.checksum or "") for m in applied)])
    full_key = _key(dialect, [("history", history_key), ("migration", migration_checksum)])
    cached = _load(full_key)
    if isinstance(cached, ExpectedStates):
        return replace(cached, cached=True)
    cached_before = _load(history_key)
    if isinstance(cached_before, ExpectedStates):  # saved with a migration's states (below)
        cached_before = (cached_before.before, cached_before.history)
    built: Schema | None = None  # *before*, to rebuild in a shadow without rows
    if isinstance(cached_before, tuple) and len(cached_before) == 2:
        built, report = cached_before
    else:
        replaying = replayed_shadow(dialect, server, shadow_url, list(applied), data=replay_data)
        with replaying as (shadow, report):
            if report.data:
                built = inspect_database(shadow)
            else:
                before, states, catalog = _states_on(shadow, statements)
    if built is not None:
        # The rows a data replay leaves would make the migration's statements fail where its
        # schema alone does not (ADD COLUMN ... NOT NULL): they run on the schema rebuilt.
        with shadow_database(dialect, server, shadow_url) as shadow:
            _build(shadow, built)
            before, states, catalog = _states_on(shadow, statements)
    result = ExpectedStates(before, tuple(states), report, catalog=catalog)
    if built is None:
        # The history's entry is the result itself (its *before* and report): pickled once.
        _save((history_key, full_key), result)
    else:
        _save((history_key,), (built, report))
        _save((full_key,), result)
    return result


def _states_on(
    shadow: Database, statements: Sequence[Statement]
) -> tuple[Schema, list[StatementState], Catalog | None]:
    """*before* (the shadow as it is), the state after each statement run on top of it, and
    (SQLite) the shadow's catalog in the last state."""
    before = inspect_database(shadow)
    changes = TouchedTables.of(shadow, before)
    states = _statement_states(shadow, before, statements, changes)
    return before, states, changes.last_catalog()


def live_schema(db: Database, states: ExpectedStates) -> Schema:
    """The live schema. On SQLite, read against the shadow's last state: only the tables whose
    CREATE statements differ from the shadow's are inspected (touched.inspect_like), the rest
    (most, when the live database was made by the same migrations) are the shadow's. Else
    inspected whole."""
    if states.catalog is None or not db.dialect.keeps_ddl_catalog:
        return inspect_database(db)
    return inspect_like(db, states.after, states.catalog, _shared)


def _statement_states(
    shadow: Database, before: Schema, statements: Sequence[Statement], changes: TouchedTables
) -> list[StatementState]:
    # Only the tables a statement touched are inspected again where that can be told
    # (touched.py): linear in the statement count, not statements x tables.
    states: list[StatementState] = []
    current = before
    for statement in statements:
        if statement.changes_data_only:
            states.append(StatementState(statement, current, frozenset(), data_only=True))
            continue
        if statement.transaction_control:
            # Each statement is replayed alone: the script's BEGIN/COMMIT shape no schema.
            states.append(StatementState(statement, current, frozenset()))
            continue
        try:
            run_statements(shadow, [statement])
        except ScriptFailed as failed:
            states.append(
                StatementState(statement, current, frozenset(), replay_error=failed.record)
            )
            continue
        after, keys = changes.state_after(current, statement, _shared)
        states.append(StatementState(statement, after, frozenset(keys)))
        current = after
    return states


def _shared(previous: Schema, schema: Schema) -> Schema:
    """`schema`, reusing the table objects of `previous` that did not change: states share
    what a statement left alone (less memory, smaller cache files, faster comparisons)."""
    tables = tuple(
        old if (old := previous.table(t.name)) is not None and old == t else t
        for t in schema.tables
    )
    return replace(schema, tables=tables)


def _build(shadow: Database, schema: Schema) -> None:
    """Recreate a cached schema in an empty shadow."""
    # deferred: the planner (~5 ms) only to rebuild a cached *before*, not on a first replay
    from mend_core.schema.plan import plan_migration

    for sql in plan_migration(empty_schema(schema.dialect), schema).statements:
        shadow.execute(sql)


# -- the cache ----------------------------------------------------------------------------------
def _key(dialect: str, parts: Sequence[tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"{_CACHE_VERSION}|{__version__}|{dialect}".encode())
    for name, value in parts:
        digest.update(f"\n{name}\t{value}".encode())
    return digest.hexdigest()


def _folder() -> Path | None:
    root = cache_dir()
    return root / "schemas" if root else None


def _load(key: str) -> object:
    folder = _folder()
    if folder is None:
        return None
    path = folder / f"{key}.pickle"
    try:
        # The cache is mend's own file in the user's cache folder: only mend writes it.
        data = _pickle.loads(path.read_bytes())
        os.utime(path)  # recently used: kept when the cache is trimmed
        return data
    except (OSError, _pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None


def _save(keys: Sequence[str], value: object) -> None:
    """`value` under each of `keys`."""
    folder = _folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data = _pickle.dumps(value, protocol=_PROTOCOL)
        for key in keys:
            temporary = folder / f"{key}.{os.getpid()}.tmp"
            temporary.write_bytes(data)
            os.replace(temporary, folder / f"{key}.pickle")
        _trim(folder)
    except (OSError, _pickle.PicklingError):
        pass  # a cache that cannot be written only costs speed


def _trim(folder: Path) -> None:
    # os.scandir, not glob: no pattern to compile, and the entries' stat is cached.
    with os.scandir(folder) as entries:
        files = [e for e in entries if e.name.endswith(".pickle") and e.is_file()]
    files.sort(key=lambda e: e.stat().st_mtime, reverse=True)
    for stale in files[_MAX_CACHED:]:
        Path(stale.path).unlink(missing_ok=True)
