"""Property: for random pairs of schemas (A, B), the plan from A to B, applied to a database
built from A, yields a database that mend and an independent oracle both find equal to B.

The DDL of A and B is written here, not by mend's renderer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import make_database
from schema_support import apply_sql, round_trip

TYPES = {
    "postgresql": ["INTEGER", "BIGINT", "TEXT", "VARCHAR(20)", "VARCHAR(40)", "BOOLEAN"],
    "mysql": ["INTEGER", "BIGINT", "VARCHAR(20)", "VARCHAR(40)"],
    "sqlite": ["INTEGER", "BIGINT", "TEXT", "VARCHAR(20)", "REAL"],
}
EXAMPLES = int(os.environ.get("MEND_PROPERTY_EXAMPLES", "15"))


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    nullable: bool
    default: str | None


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    indexed: tuple[tuple[str, bool], ...]  # (column, unique)
    references: str | None  # a table this one has a foreign key to


def default_for(type_: str, value: int) -> str:
    if type_ == "BOOLEAN":
        return "TRUE" if value % 2 else "FALSE"
    if type_ in ("INTEGER", "BIGINT", "REAL"):
        return str(value)
    return f"'v{value}'"


@st.composite
def schemas(draw: st.DrawFn, dialect: str) -> tuple[TableSpec, ...]:
    count = draw(st.integers(1, 3))
    tables = []
    for t in range(count):
        names = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=4, unique=True))
        columns = []
        for name in sorted(names):
            type_ = draw(st.sampled_from(TYPES[dialect]))
            nullable = draw(st.booleans())
            default = default_for(type_, draw(st.integers(0, 9))) if draw(st.booleans()) else None
            columns.append(ColumnSpec(name, type_, nullable, default))
        indexable = [c.name for c in columns if c.type != "TEXT"]
        indexed = (
            draw(
                st.lists(
                    st.tuples(st.sampled_from(indexable), st.booleans()),
                    max_size=2,
                    unique_by=lambda i: i[0],
                )
            )
            if indexable
            else []
        )
        references = f"t{draw(st.integers(0, t - 1))}" if t and draw(st.booleans()) else None
        tables.append(TableSpec(f"t{t}", tuple(columns), tuple(indexed), references))
    return tuple(tables)


def ddl(dialect: str, tables: tuple[TableSpec, ...]) -> str:
    q = (lambda n: f"`{n}`") if dialect == "mysql" else (lambda n: f'"{n}"')
    suffix = (
        " DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" if dialect == "mysql" else ""
    )
    script = []
    for table in tables:
        items = [f"{q('id')} INTEGER NOT NULL"]
        for column in table.columns:
            text = f"{q(column.name)} {column.type}" + ("" if column.nullable else " NOT NULL")
            if column.default is not None:
                text += f" DEFAULT {column.default}"
            items.append(text)
        if table.references:
            items.append(f"{q('ref')} INTEGER")
        items.append(
            f"CONSTRAINT {q(table.name + '_pkey')} PRIMARY KEY ({q('id')})"
            if dialect == "postgresql"
            else f"PRIMARY KEY ({q('id')})"
        )
        if table.references:
            items.append(
                f"CONSTRAINT {q(table.name + '_ref_fkey')} FOREIGN KEY ({q('ref')}) "
                f"REFERENCES {q(table.references)}({q('id')}) ON DELETE CASCADE"
            )
        body = ",\n  ".join(items)
        script.append(f"CREATE TABLE {q(table.name)} (\n  {body}\n){suffix};")
        for column, unique in table.indexed:
            kind = "UNIQUE INDEX" if unique else "INDEX"
            script.append(
                f"CREATE {kind} {q(f'{table.name}_{column}_idx')} ON {q(table.name)}({q(column)});"
            )
    return "\n".join(script) + "\n"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_random_schema_pairs_round_trip(dialect: str, tmp_path_factory: pytest.TempPathFactory):
    # No shrinking: each example builds real databases, and a shrink could outlast CI.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        a = data.draw(schemas(dialect), label="A")
        b = data.draw(schemas(dialect), label="B")
        folder: Path = tmp_path_factory.mktemp("pair")
        (folder / "x").mkdir()
        (folder / "y").mkdir()
        first = make_database(dialect, folder / "x")
        second = make_database(dialect, folder / "y")
        x, y = next(first), next(second)
        try:
            apply_sql(x, ddl(dialect, a))
            apply_sql(y, ddl(dialect, b))
            round_trip(x, y)
        finally:
            first.close()
            second.close()

    check()
