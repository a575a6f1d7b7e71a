"""A fingerprint of what a recovery plan was made from: the live schema and the migration's
history rows. Recomputed under the migration lock before anything runs; if it differs, the
database changed since the plan was made and the plan is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from mend_core.history.table import HistoryRow
from mend_core.records import record
from mend_core.schema.model import Schema


@record
class Fingerprint:
    schema: str  # SHA-256 of the live schema model
    history: str  # SHA-256 of the migration's rows in _prisma_migrations

    @property
    def short(self) -> str:
        return f"{self.schema[:12]}/{self.history[:12]}"

    def to_json(self) -> dict[str, str]:
        return {"schema": self.schema, "history": self.history}


def fingerprint_of(live: Schema, rows: Sequence[HistoryRow]) -> Fingerprint:
    # The model's repr is deterministic (tuples of names, types and expressions in catalog
    # order), so equal schemas hash alike and any change shows.
    schema = hashlib.sha256(repr(live).encode("utf-8")).hexdigest()
    history = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r.id):
        fields = (
            row.id,
            row.checksum,
            row.finished_raw,
            row.rolled_back_raw,
            row.started_raw,
            row.applied_steps_count,
            row.logs,
        )
        history.update(repr(fields).encode("utf-8"))
    return Fingerprint(schema, history.hexdigest())
