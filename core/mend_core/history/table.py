"""The `_prisma_migrations` table: its rows read in every form Prisma writes, and written exactly
as Prisma's engine writes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from mend_core.database.session import Database
from mend_core.errors import M3001, M3003, MendError
from mend_core.history.timestamps import now


def new_uuid() -> str:
    """A lowercase hyphenated UUID v4, as Prisma's engine writes ids."""
    # deferred: reading the history (mend status) never needs it
    import uuid

    return str(uuid.uuid4())


TABLE = "_prisma_migrations"
COLUMNS = (
    "id",
    "checksum",
    "finished_at",
    "migration_name",
    "logs",
    "rolled_back_at",
    "started_at",
    "applied_steps_count",
)
_EPOCH = datetime.fromtimestamp(0, tz=UTC)


def _already_decoded(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


class HistoryRow(NamedTuple):
    """One attempt at a migration, as recorded in `_prisma_migrations`.

    Timestamps are kept as the database returned them and decoded when read: status needs
    whether they are set for every row, but their value only for the rows it shows."""

    # A NamedTuple, not a dataclass: immutable all the same, and three times cheaper to build,
    # which counts when status reads 10,000 of them.

    id: str
    checksum: str
    finished_raw: object
    migration_name: str
    logs: str | None
    rolled_back_raw: object
    started_raw: object
    applied_steps_count: int
    decode: Callable[[object], datetime | None] = _already_decoded

    @property
    def finished_at(self) -> datetime | None:
        return self.decode(self.finished_raw)

    @property
    def rolled_back_at(self) -> datetime | None:
        return self.decode(self.rolled_back_raw)

    @property
    def started_at(self) -> datetime | None:
        return self.decode(self.started_raw)

    @property
    def failed(self) -> bool:
        return self.finished_raw is None and self.rolled_back_raw is None

    @property
    def applied(self) -> bool:
        return self.finished_raw is not None and self.rolled_back_raw is None

    @property
    def rolled_back(self) -> bool:
        return self.rolled_back_raw is not None

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class StartedRow(NamedTuple):
    """A migration's row as recorded when it starts, in the order it is inserted."""

    id: str
    checksum: str
    started_at: object  # encoded for the database
    migration_name: str


Clock = Callable[[], datetime]
IdMaker = Callable[[], str]


class HistoryTable:
    """Reads and writes `_prisma_migrations` through one database session. Row timestamps
    and ids come from `clock` and `new_id` (mend's clock and UUIDs, as Prisma's engine; a
    context may give fixed ones for reproducible scenes)."""

    def __init__(
        self, db: Database, *, clock: Clock | None = None, new_id: IdMaker | None = None
    ) -> None:
        self.db = db
        self.dialect = db.dialect
        self.name = db.dialect.history_table_name(db)
        self.clock: Clock = clock or now
        self.new_id: IdMaker = new_id or new_uuid

    def columns(self) -> list[str] | None:
        return self.dialect.table_columns(self.db, TABLE)

    def check_shape(self, columns: list[str]) -> list[str]:
        """Refuse a table missing Prisma's columns; return the unknown extra ones."""
        missing = [c for c in COLUMNS if c not in columns]
        if missing:
            raise MendError(
                M3001,
                f"The table {TABLE} exists but lacks the column(s) {', '.join(missing)}; it was "
                "not created by Prisma Migrate or has been altered.",
                "Compare it with Prisma's definition (README, section “The `_prisma_migrations` "
                "table”), restore the missing columns, then run the command again.",
            )
        return [c for c in columns if c not in COLUMNS]

    def create(self) -> None:
        self.dialect.prepare_schema(self.db)
        self.db.execute(self.dialect.history_table_ddl())

    def rows(self) -> list[HistoryRow]:
        """Every row, ordered by started_at as Prisma reads them. (SQLite may mix integer and
        text timestamps, which sort apart: `attempts_in_order` orders one migration's rows.)"""
        select = ", ".join(self.dialect.quote(c) for c in COLUMNS)
        started = self.dialect.quote("started_at")
        raw_rows = self.db.query(f"SELECT {select} FROM {self.name} ORDER BY {started}")
        decode = self.dialect.decode_timestamp
        try:
            return [
                HistoryRow(
                    str(r[0]),  # id
                    str(r[1] or ""),  # checksum
                    r[2],  # finished_at
                    str(r[3]),  # migration_name
                    r[4],  # logs
                    r[5],  # rolled_back_at
                    r[6],  # started_at
                    int(r[7] or 0),  # applied_steps_count
                    decode,
                )
                for r in raw_rows
            ]
        except (TypeError, ValueError):
            raise _unreadable_row(raw_rows) from None

    # -- writes, each exactly as Prisma's engine performs it --------------------------------
    def record_started(self, name: str, checksum: str) -> str:
        row = self.started_row(name, checksum)
        self.insert_started(row)
        return row.id

    def started_row(self, name: str, checksum: str) -> StartedRow:
        """The row `record_started` writes, made now (its id, and its clock read), written
        later by `insert_started`: the same values however often it has to be written."""
        return StartedRow(
            self.new_id(), checksum, self.dialect.encode_timestamp(self.clock()), name
        )

    def insert_started(self, row: StartedRow) -> None:
        columns = self._cols("id", "checksum", "started_at", "migration_name")
        self.db.execute(
            f"INSERT INTO {self.name} ({columns}) VALUES ({self.dialect.params(4)})", tuple(row)
        )

    def record_finished(self, row_id: str) -> None:
        """Prisma's two updates (one step more, then finished_at) in one statement: the same
        row, one round trip and, outside a transaction, one commit less."""
        count = self.dialect.quote("applied_steps_count")
        finished = self.dialect.quote("finished_at")
        mark = self.dialect.placeholder
        self.db.execute(
            f"UPDATE {self.name} SET {count} = {count} + 1, {finished} = {mark} "
            f"WHERE {self._cols('id')} = {mark}",
            (self.dialect.encode_timestamp(self.clock()), row_id),
        )

    def record_failed(self, row_id: str, logs: str) -> None:
        self._set(row_id, "logs", logs)

    def insert_applied(self, name: str, checksum: str) -> str:
        """`resolve --applied`: a finished row, logs '', started = finished, steps left at 0."""
        row_id = self.new_id()
        moment = self.dialect.encode_timestamp(self.clock())
        columns = self._cols(
            "id", "checksum", "logs", "started_at", "finished_at", "migration_name"
        )
        self.db.execute(
            f"INSERT INTO {self.name} ({columns}) VALUES ({self.dialect.params(6)})",
            (row_id, checksum, "", moment, moment, name),
        )
        return row_id

    def mark_rolled_back(self, row_id: str) -> None:
        self._set(row_id, "rolled_back_at", self.dialect.encode_timestamp(self.clock()))

    def _set(self, row_id: str, column: str, value: object) -> None:
        p = self.dialect.placeholder
        self.db.execute(
            f"UPDATE {self.name} SET {self._cols(column)} = {p} WHERE {self._cols('id')} = {p}",
            (value, row_id),
        )

    def _cols(self, *names: str) -> str:
        return ", ".join(self.dialect.quote(n) for n in names)


def attempts_in_order(rows: list[HistoryRow]) -> list[HistoryRow]:
    """One migration's attempts, oldest first, whatever form their timestamps take."""
    if len(rows) < 2:
        return rows
    return sorted(rows, key=lambda row: row.started_at or _EPOCH)


def _unreadable_row(raw_rows: list[tuple[object, ...]]) -> MendError:
    """The first row whose values Prisma could not have written (SQLite keeps any value in
    any column), named with what is wrong and how to fix it."""
    for raw in raw_rows:
        value = raw[7]
        try:
            int(value or 0)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            shown = repr(value)[:40]
            return MendError(
                M3003,
                f"A row of {TABLE} (migration `{raw[3]}`, id `{raw[0]}`) holds {shown} in "
                "applied_steps_count, where Prisma's engine writes a whole number. mend reads "
                "nothing from a table it cannot read exactly.",
                f"Fix that row by hand (UPDATE {TABLE} SET applied_steps_count = 0 or 1 WHERE "
                f"id = '{raw[0]}'), after checking how it came to hold that value.",
            )
    return MendError(
        M3003,
        f"A row of {TABLE} holds a value Prisma's engine never writes.",
        f"Check the table's rows by hand (SELECT * FROM {TABLE}).",
    )
