"""Round trips for every change kind, both directions, on each dialect.

For a pair of schemas (A, B): build X from A and Y from B, plan X -> Y, apply the plan to X,
then (1) mend must see no difference left and (2) an oracle that does not use mend's inspector
(pg_dump -s, SHOW CREATE TABLE, SQLite pragmas) must see X and Y alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import TestDatabase, make_database
from schema_support import apply_sql, round_trip


class DDL:
    """Writes the same schema for each dialect."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def q(self, name: str) -> str:
        return f"`{name}`" if self.dialect == "mysql" else f'"{name}"'

    @property
    def text(self) -> str:
        return "VARCHAR(191)" if self.dialect == "mysql" else "TEXT"

    def table(self, name: str, *items: str) -> str:
        suffix = (
            " DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            if self.dialect == "mysql"
            else ""
        )
        body = ",\n    ".join(items)
        return f"CREATE TABLE {self.q(name)} (\n    {body}\n){suffix};\n"

    def col(self, name: str, definition: str) -> str:
        return f"{self.q(name)} {definition}"

    def pk(self, *columns: str, name: str | None = None) -> str:
        named = f"CONSTRAINT {self.q(name)} " if name and self.dialect == "postgresql" else ""
        return f"{named}PRIMARY KEY ({', '.join(self.q(c) for c in columns)})"

    def fk(self, name: str, column: str, table: str, target: str, actions: str = "") -> str:
        return (
            f"CONSTRAINT {self.q(name)} FOREIGN KEY ({self.q(column)}) REFERENCES "
            f"{self.q(table)}({self.q(target)}){actions}"
        )

    def index(self, name: str, table: str, *columns: str, unique: bool = False) -> str:
        kind = "UNIQUE INDEX" if unique else "INDEX"
        cols = ", ".join(c if c.endswith(" DESC") or "(" in c else self.q(c) for c in columns)
        return f"CREATE {kind} {self.q(name)} ON {self.q(table)}({cols});\n"

    def user(self, *extra: str) -> str:
        return self.table(
            "User",
            self.col("id", "INTEGER NOT NULL"),
            self.col("name", f"{self.text} NOT NULL"),
            *extra,
            self.pk("id", name="User_pkey"),
        )


Scenario = Callable[[DDL], tuple[str, str] | None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(function: Scenario) -> Scenario:
    SCENARIOS[function.__name__] = function
    return function


@scenario
def prisma_example(d: DDL) -> tuple[str, str]:
    a = d.user()
    b = (
        d.user(d.col("email", d.text))
        + d.index("User_name_key", "User", "name", unique=True)
        + d.table(
            "Post",
            d.col("id", "INTEGER NOT NULL"),
            d.col("title", f"{d.text} NOT NULL"),
            d.pk("id", name="Post_pkey"),
        )
    )
    return a, b


@scenario
def add_index(d: DDL) -> tuple[str, str]:
    a = d.user(d.col("email", d.text))
    return a, a + d.index("User_email_idx", "User", "email")


@scenario
def drop_column(d: DDL) -> tuple[str, str]:
    return d.user(d.col("age", "INTEGER")), d.user()


@scenario
def change_type(d: DDL) -> tuple[str, str]:
    def t(label: str, number: str) -> str:
        return d.table(
            "T",
            d.col("id", "INTEGER NOT NULL"),
            d.col("label", label),
            d.col("n", number),
            d.pk("id", name="T_pkey"),
        )

    return t("VARCHAR(50)", "INTEGER"), t("VARCHAR(200)", "BIGINT")


@scenario
def foreign_key(d: DDL) -> tuple[str, str]:
    def post(*extra: str) -> str:
        return d.table(
            "Post",
            d.col("id", "INTEGER NOT NULL"),
            d.col("authorId", "INTEGER"),
            d.pk("id", name="Post_pkey"),
            *extra,
        )

    fk = d.fk(
        "Post_authorId_fkey", "authorId", "User", "id", " ON DELETE CASCADE ON UPDATE CASCADE"
    )
    return d.user() + post(), d.user() + post(fk)


@scenario
def nullability(d: DDL) -> tuple[str, str]:
    def t(x: str) -> str:
        return d.table(
            "T", d.col("id", "INTEGER NOT NULL"), d.col("x", x), d.pk("id", name="T_pkey")
        )

    return t("INTEGER NOT NULL"), t("INTEGER")


@scenario
def defaults(d: DDL) -> tuple[str, str]:
    def t(x: str, s: str) -> str:
        return d.table(
            "T",
            d.col("id", "INTEGER NOT NULL"),
            d.col("x", f"INTEGER DEFAULT {x}"),
            d.col("s", f"{d.text} DEFAULT '{s}'"),
            d.pk("id", name="T_pkey"),
        )

    return t("1", "a"), t("2", "b")


@scenario
def named_unique(d: DDL) -> tuple[str, str]:
    base = [d.col("id", "INTEGER NOT NULL"), d.col("code", d.text), d.pk("id", name="T_pkey")]
    if d.dialect == "mysql":
        table = d.table("T", *base)
        return table, table + d.index("T_code_key", "T", "code", unique=True)
    return d.table("T", *base), d.table(
        "T", *base, f"CONSTRAINT {d.q('T_code_key')} UNIQUE ({d.q('code')})"
    )


@scenario
def check_constraint(d: DDL) -> tuple[str, str]:
    base = [d.col("id", "INTEGER NOT NULL"), d.col("qty", "INTEGER"), d.pk("id", name="T_pkey")]
    check = f"CONSTRAINT {d.q('T_qty_check')} CHECK ({d.q('qty')} > 0)"
    return d.table("T", *base), d.table("T", *base, check)


@scenario
def primary_key_change(d: DDL) -> tuple[str, str]:
    def t(*key: str) -> str:
        return d.table(
            "T",
            d.col("a", "INTEGER NOT NULL"),
            d.col("b", "INTEGER NOT NULL"),
            d.pk(*key, name="T_pkey"),
        )

    return t("a"), t("a", "b")


@scenario
def view(d: DDL) -> tuple[str, str]:
    a = d.user()
    return (
        a,
        a
        + f"CREATE VIEW {d.q('names')} AS SELECT {d.q('id')}, {d.q('name')} FROM {d.q('User')};\n",
    )


@scenario
def partial_and_descending_index(d: DDL) -> tuple[str, str]:
    a = d.table(
        "T", d.col("id", "INTEGER NOT NULL"), d.col("x", "INTEGER"), d.pk("id", name="T_pkey")
    )
    if d.dialect == "mysql":
        return a, a + d.index("T_x_idx", "T", f"{d.q('x')} DESC")
    return (
        a,
        a + f"CREATE INDEX {d.q('T_x_idx')} ON {d.q('T')}({d.q('x')} DESC) WHERE {d.q('x')} > 0;\n",
    )


@scenario
def table_with_everything_dropped_and_created(d: DDL) -> tuple[str, str]:
    post = d.table(
        "Post",
        d.col("id", "INTEGER NOT NULL"),
        d.col("authorId", "INTEGER"),
        d.col("title", f"{d.text} NOT NULL DEFAULT 'untitled'"),
        d.pk("id", name="Post_pkey"),
        d.fk("Post_authorId_fkey", "authorId", "User", "id", " ON DELETE SET NULL"),
    )
    return d.user(), d.user() + post + d.index("Post_title_idx", "Post", "title")


@scenario
def generated_column(d: DDL) -> tuple[str, str]:
    base = [d.col("id", "INTEGER NOT NULL"), d.col("x", "INTEGER")]
    if d.dialect == "postgresql":
        generated = d.col("double_x", f"INTEGER GENERATED ALWAYS AS ({d.q('x')} * 2) STORED")
    elif d.dialect == "mysql":
        generated = d.col("double_x", f"INTEGER AS ({d.q('x')} * 2) STORED")
    else:
        generated = d.col("double_x", f"INTEGER GENERATED ALWAYS AS ({d.q('x')} * 2) VIRTUAL")
    a = d.table("T", *base, d.pk("id", name="T_pkey"))
    b = d.table("T", *base, generated, d.pk("id", name="T_pkey"))
    return a, b


@scenario
def indexes_kept_whole(d: DDL) -> tuple[str, str]:
    """Each dialect's index features at once: PostgreSQL operator classes (GIN trigram),
    INCLUDE, partial, expressions, DESC / NULLS order and collations; SQLite COLLATE, DESC,
    expressions and WHERE; MySQL FULLTEXT, SPATIAL, prefix lengths and DESC."""
    q = d.q
    if d.dialect == "mysql":
        a = d.table(
            "T",
            d.col("id", "INTEGER NOT NULL"),
            d.col("name", "VARCHAR(191) NOT NULL"),
            d.col("body", "TEXT"),
            d.col("n", "INTEGER"),
            d.col("at", "POINT NOT NULL"),
            d.pk("id"),
        )
        return a, a + (
            f"CREATE FULLTEXT INDEX {q('T_body_idx')} ON {q('T')}({q('body')});\n"
            f"CREATE SPATIAL INDEX {q('T_at_idx')} ON {q('T')}({q('at')});\n"
            f"CREATE INDEX {q('T_name_n_idx')} ON {q('T')}({q('name')}(10), {q('n')} DESC);\n"
        )
    columns = [
        d.col("id", "INTEGER NOT NULL"),
        d.col("name", "TEXT NOT NULL"),
        d.col("email", "TEXT"),
        d.col("n", "INTEGER"),
        d.pk("id", name="T_pkey"),
    ]
    if d.dialect == "sqlite":
        a = d.table("T", *columns)
        return a, a + (
            f"CREATE INDEX {q('T_name_idx')} ON {q('T')}({q('name')} COLLATE NOCASE DESC, "
            f"lower({q('email')})) WHERE {q('n')} > 0;\n"
            f"CREATE UNIQUE INDEX {q('T_email_key')} ON {q('T')}({q('email')} COLLATE RTRIM);\n"
        )
    a = 'CREATE EXTENSION IF NOT EXISTS "pg_trgm";\n' + d.table("T", *columns)
    return a, a + (
        f"CREATE INDEX {q('T_email_trgm_idx')} ON {q('T')} USING GIN ({q('email')} "
        "gin_trgm_ops);\n"
        f"CREATE INDEX {q('T_n_idx')} ON {q('T')}({q('n')} DESC NULLS LAST, {q('email')} "
        f"text_pattern_ops) INCLUDE ({q('name')}) WHERE {q('n')} > 0;\n"
        f'CREATE UNIQUE INDEX {q("T_name_key")} ON {q("T")}({q("name")} COLLATE "C", '
        f'lower({q("email")}) COLLATE "POSIX" NULLS FIRST, {q("n")} NULLS FIRST);\n'
    )


@scenario
def index_operator_class_changed(d: DDL) -> tuple[str, str] | None:
    """The same index on the same column, with another operator class: a changed index."""
    if d.dialect != "postgresql":
        return None
    a = d.table(
        "T", d.col("id", "INTEGER NOT NULL"), d.col("email", "TEXT"), d.pk("id", name="T_pkey")
    )
    index = f"CREATE INDEX {d.q('T_email_idx')} ON {d.q('T')}({d.q('email')}{{}});\n"
    return a + index.format(""), a + index.format(" text_pattern_ops")


# -- PostgreSQL only ---------------------------------------------------------------------------
@scenario
def expression_and_gin_indexes(d: DDL) -> tuple[str, str] | None:
    if d.dialect != "postgresql":
        return None
    a = d.table(
        "T",
        d.col("id", "INTEGER NOT NULL"),
        d.col("name", "TEXT"),
        d.col("tags", "TEXT[]"),
        d.pk("id", name="T_pkey"),
    )
    b = (
        a + 'CREATE INDEX "T_lower_name_idx" ON "T" (lower(name));\n'
        'CREATE INDEX "T_tags_idx" ON "T" USING gin (tags);\n'
    )
    return a, b


@scenario
def enum_type_and_column(d: DDL) -> tuple[str, str] | None:
    if d.dialect != "postgresql":
        return None
    a = d.table("T", d.col("id", "INTEGER NOT NULL"), d.pk("id", name="T_pkey"))
    b = "CREATE TYPE mood AS ENUM ('sad', 'ok');\n" + d.table(
        "T",
        d.col("id", "INTEGER NOT NULL"),
        d.col("m", "mood DEFAULT 'ok'"),
        d.pk("id", name="T_pkey"),
    )
    return a, b


@scenario
def enum_values(d: DDL) -> tuple[str, str] | None:
    if d.dialect != "postgresql":
        return None

    def t(values: str) -> str:
        return f"CREATE TYPE mood AS ENUM ({values});\n" + d.table(
            "T", d.col("id", "INTEGER NOT NULL"), d.col("m", "mood"), d.pk("id", name="T_pkey")
        )

    return t("'sad', 'ok'"), t("'sad', 'ok', 'happy'")


@scenario
def enum_values_removed_and_reordered(d: DDL) -> tuple[str, str] | None:
    if d.dialect != "postgresql":
        return None

    def t(values: str) -> str:
        return f"CREATE TYPE mood AS ENUM ({values});\n" + d.table(
            "T", d.col("id", "INTEGER NOT NULL"), d.col("m", "mood"), d.pk("id", name="T_pkey")
        )

    return t("'sad', 'ok', 'happy'"), t("'happy', 'sad'")


@scenario
def enum_values_removed_under_defaults(d: DDL) -> tuple[str, str] | None:
    """The columns keep their defaults (one an array of the enum) across the rebuild."""
    if d.dialect != "postgresql":
        return None

    def t(values: str) -> str:
        return f"CREATE TYPE mood AS ENUM ({values});\n" + d.table(
            "T",
            d.col("id", "INTEGER NOT NULL"),
            d.col("m", "mood NOT NULL DEFAULT 'ok'"),
            d.col("ms", "mood[] DEFAULT '{ok,sad}'"),
            d.pk("id", name="T_pkey"),
        )

    return t("'sad', 'ok', 'happy'"), t("'ok', 'sad'")


@scenario
def extensions(d: DDL) -> tuple[str, str] | None:
    """Created before the default and the index that use them, dropped after them."""
    if d.dialect != "postgresql":
        return None
    a = d.user()
    b = (
        'CREATE EXTENSION IF NOT EXISTS "pg_trgm";\n'
        'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n'
        + d.user(d.col("key", "UUID NOT NULL DEFAULT uuid_generate_v4()"))
        + 'CREATE INDEX "User_name_trgm_idx" ON "User" USING GIN ("name" gin_trgm_ops);\n'
    )
    return a, b


@scenario
def standalone_sequence(d: DDL) -> tuple[str, str] | None:
    if d.dialect != "postgresql":
        return None
    a = d.user()
    return a, a + "CREATE SEQUENCE counter INCREMENT 5 START 1000;\n"


@scenario
def comments(d: DDL) -> tuple[str, str] | None:
    if d.dialect == "sqlite":
        return None
    if d.dialect == "mysql":
        a = d.table("T", d.col("id", "INTEGER NOT NULL"), d.col("x", "INTEGER"), d.pk("id"))
        b = d.table(
            "T", d.col("id", "INTEGER NOT NULL"), d.col("x", "INTEGER COMMENT 'the x'"), d.pk("id")
        ).replace(";\n", " COMMENT 'a table';\n")
        return a, b
    a = d.table(
        "T", d.col("id", "INTEGER NOT NULL"), d.col("x", "INTEGER"), d.pk("id", name="T_pkey")
    )
    return a, a + "COMMENT ON TABLE \"T\" IS 'a table';\nCOMMENT ON COLUMN \"T\".x IS 'the x';\n"


@scenario
def autoincrement(d: DDL) -> tuple[str, str] | None:
    if d.dialect == "sqlite":
        return None
    if d.dialect == "mysql":
        a = d.table("T", d.col("id", "INTEGER NOT NULL"), d.pk("id"))
        b = d.table("T", d.col("id", "INTEGER NOT NULL AUTO_INCREMENT"), d.pk("id"))
        return a, b
    a = d.table("T", d.col("id", "INTEGER NOT NULL"), d.pk("id", name="T_pkey"))
    b = d.table("T", d.col("id", "SERIAL NOT NULL"), d.pk("id", name="T_pkey"))
    return a, b


@scenario
def identity(d: DDL) -> tuple[str, str] | None:
    if d.dialect != "postgresql":
        return None
    a = d.table("T", d.col("id", "INTEGER NOT NULL"), d.pk("id", name="T_pkey"))
    b = d.table(
        "T", d.col("id", "INTEGER GENERATED BY DEFAULT AS IDENTITY"), d.pk("id", name="T_pkey")
    )
    return a, b


# -- MySQL only ---------------------------------------------------------------------------------
@scenario
def mysql_enum_column(d: DDL) -> tuple[str, str] | None:
    if d.dialect != "mysql":
        return None

    def t(values: str) -> str:
        return d.table(
            "T", d.col("id", "INTEGER NOT NULL"), d.col("k", f"ENUM({values})"), d.pk("id")
        )

    return t("'a', 'b'"), t("'a', 'b', 'c'")


# -- SQLite only --------------------------------------------------------------------------------
@scenario
def sqlite_trigger(d: DDL) -> tuple[str, str] | None:
    if d.dialect != "sqlite":
        return None
    a = d.user()
    return a, a + (
        'CREATE TRIGGER "User_audit" AFTER INSERT ON "User" BEGIN '
        'UPDATE "User" SET name = upper(new.name) WHERE id = new.id; END;\n'
    )


CASES = [
    (name, dialect, direction)
    for name in SCENARIOS
    for dialect in ("sqlite", "postgresql", "mysql")
    if SCENARIOS[name](DDL(dialect)) is not None
    for direction in ("forward", "backward")
]


@pytest.fixture
def pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[TestDatabase, TestDatabase]]:
    dialect = request.param
    first = make_database(dialect, tmp_path / "x")
    second = make_database(dialect, tmp_path / "y")
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    x, y = next(first), next(second)
    try:
        yield x, y
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize(
    ("name", "pair", "direction"),
    CASES,
    indirect=["pair"],
    ids=[f"{n}-{d}-{w}" for n, d, w in CASES],
)
def test_round_trip(name: str, pair: tuple[TestDatabase, TestDatabase], direction: str):
    x, y = pair
    a, b = SCENARIOS[name](DDL(x.dialect))  # type: ignore[misc]
    if direction == "backward":
        a, b = b, a
    apply_sql(x, a)
    apply_sql(y, b)
    plan = round_trip(x, y)
    assert not plan.is_empty
