"""The schemas many databases' applied histories build, with as few replays as possible.

What a replay builds depends only on the server it runs on and the migrations replayed, not on
which database of the server asked. And the databases of a fleet usually sit at different points
of one line of history (production behind staging): each history is a prefix of the next. So
the histories of one server are laid out in chains of prefixes, and each chain is replayed once,
in one shadow, its schema read at the end of every history on the way. Chains run at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

from mend_core.errors import MendError
from mend_core.history.folder import LocalMigration
from mend_core.hotfix.parallel import run_parallel
from mend_core.project.target import DatabaseTarget
from mend_core.schema.inspect import inspect_database
from mend_core.schema.model import Schema
from mend_core.schema.replay import replay
from mend_core.schema.shadow import shadow_database

History = tuple[LocalMigration, ...]
HistoryKey = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Chain:
    """Histories of one server, each a prefix of the next: one shadow replays them all."""

    server: DatabaseTarget  # where the shadow is created (the first database's credentials)
    histories: tuple[History, ...]


def history_key(history: Sequence[LocalMigration]) -> HistoryKey:
    return tuple((m.name, m.checksum) for m in history)


def server_key(target: DatabaseTarget) -> Hashable:
    """What a replay depends on besides the migrations: the server, not the database."""
    if target.path is not None or target.memory:
        return target.dialect  # an embedded database: replayed in memory
    return replace(target, database=None, schema=None)


def plan_chains(requests: Sequence[tuple[DatabaseTarget, History]]) -> list[Chain]:
    """The fewest chains of prefixes (greedy, shortest history first) per server."""
    by_server: dict[Hashable, tuple[DatabaseTarget, dict[HistoryKey, History]]] = {}
    for target, history in requests:
        _, histories = by_server.setdefault(server_key(target), (target, {}))
        histories.setdefault(history_key(history), history)
    chains: list[Chain] = []
    for server, histories in by_server.values():
        lines: list[list[History]] = []
        for history in sorted(histories.values(), key=len):
            line = next((ln for ln in lines if _is_prefix(ln[-1], history)), None)
            if line is None:
                lines.append([history])
            else:
                line.append(history)
        chains += [Chain(server, tuple(line)) for line in lines]
    return chains


def _is_prefix(shorter: History, longer: History) -> bool:
    return history_key(longer[: len(shorter)]) == history_key(shorter)


def replay_chain(chain: Chain) -> dict[HistoryKey, Schema | MendError]:
    """One shadow: each history's schema, replaying only what the previous one lacked. The
    histories whose schema-only replay fails are replayed again with their data statements, in a
    fresh shadow (as `replayed_shadow` does); a migration that fails both ways fails the
    histories that contain it (with the schema-only error), not the shorter ones."""
    schemas = _replay_line(chain.server, chain.histories, data=False)
    failed = tuple(h for h in chain.histories if isinstance(schemas[history_key(h)], MendError))
    if failed:
        again = _replay_line(chain.server, failed, data=True)
        schemas.update((k, s) for k, s in again.items() if not isinstance(s, MendError))
    return schemas


def _replay_line(
    server: DatabaseTarget, histories: Sequence[History], *, data: bool
) -> dict[HistoryKey, Schema | MendError]:
    schemas: dict[HistoryKey, Schema | MendError] = {}
    with shadow_database(server.dialect, server) as shadow:
        done = 0
        failed: MendError | None = None
        for history in histories:
            if failed is None:
                try:
                    replay(shadow, list(history[done:]), data=data)
                except MendError as error:
                    failed = error
            done = len(history)
            schemas[history_key(history)] = failed or inspect_database(shadow)
    return schemas


def expected_schemas(
    requests: Mapping[str, tuple[DatabaseTarget, History]], timeout: float
) -> dict[str, Schema | MendError]:
    """Each request's schema (or the error of its replay), the chains replayed at once."""
    chains = plan_chains(list(requests.values()))
    tasks: dict[str, Callable[[], dict[HistoryKey, Schema | MendError]]] = {
        str(index): _replayer(chain) for index, chain in enumerate(chains)
    }
    outcomes = run_parallel(tasks, timeout)
    found: dict[tuple[Hashable, HistoryKey], Schema | MendError] = {}
    for index, chain in enumerate(chains):
        outcome = outcomes[str(index)]
        for history in chain.histories:
            key = (server_key(chain.server), history_key(history))
            if outcome.value is not None:
                found[key] = outcome.value[history_key(history)]
            else:
                found[key] = outcome.error or MendError(
                    "P1002", f"The shadow replay did not finish within {timeout:g} s.", ""
                )
    return {
        name: found[(server_key(target), history_key(history))]
        for name, (target, history) in requests.items()
    }


def _replayer(chain: Chain) -> Callable[[], dict[HistoryKey, Schema | MendError]]:
    return lambda: replay_chain(chain)
