"""Run one task per target at once, each bounded by the same deadline.

Daemon threads, not an executor: a server that stops answering mid-query would keep an
executor's worker (and so the process) alive past the deadline; a daemon thread is abandoned
and the others' results are reported. One target's failure never stops the others.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from mend_core.errors import M9000, MendError
from mend_core.output.redaction import redact

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """A task's value, or its error, or that it did not finish in time."""

    value: T | None = None
    error: MendError | None = None
    timed_out: bool = False
    seconds: float = 0.0


def run_parallel(
    tasks: Mapping[str, Callable[[], T]],
    timeout: float,
    on_done: Callable[[str, Outcome[T]], None] | None = None,
) -> dict[str, Outcome[T]]:
    """Every task's outcome, by name; `on_done` is called (in this thread) as each ends."""
    finished: queue.Queue[tuple[str, Outcome[T]]] = queue.Queue()
    started = time.monotonic()

    def run(name: str, task: Callable[[], T]) -> None:
        try:
            outcome: Outcome[T] = Outcome(value=task())
        except MendError as error:
            outcome = Outcome(error=error)
        except Exception as error:  # noqa: BLE001 - reported per target, never lost
            message = f"{type(error).__name__}: {redact(str(error))}"
            outcome = Outcome(error=MendError(M9000, message, "This is a bug in mend."))
        seconds = time.monotonic() - started
        finished.put((name, Outcome(outcome.value, outcome.error, False, seconds)))

    for name, task in tasks.items():
        thread = threading.Thread(target=run, args=(name, task), name=f"mend-{name}", daemon=True)
        thread.start()
    results: dict[str, Outcome[T]] = {}
    deadline = started + timeout
    while len(results) < len(tasks):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            name, outcome = finished.get(timeout=left)
        except queue.Empty:
            break
        results[name] = outcome
        if on_done is not None:
            on_done(name, outcome)
    for name in tasks:
        if name not in results:
            late: Outcome[T] = Outcome(timed_out=True, seconds=timeout)
            results[name] = late
            if on_done is not None:
                on_done(name, late)
    return {name: results[name] for name in tasks}
