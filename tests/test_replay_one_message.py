"""A replay sends each PostgreSQL migration as one message (one round trip) where it would run
in one transaction anyway; the result, and a failure's report, are those of running the
statements one by one, on every dialect."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TestDatabase
from mend_core.database.session import connect
from mend_core.project.target import parse_url
from mend_core.schema.inspect import inspect_database
from mend_core.schema.replay import ReplayFailed, replay


def q(db: TestDatabase, name: str) -> str:
    return db.q(name)


def test_replay_ends_statements_whatever_their_last_line(db: TestDatabase, tmp_path: Path):
    """A trailing `--` comment, a missing final `;`, a dollar-quoted body: all replay."""
    body = "$$ BEGIN RETURN 1; END; $$" if db.dialect == "postgresql" else None
    script = (
        f"CREATE TABLE {q(db, 'a')} (id INTEGER PRIMARY KEY); -- a comment; with a semicolon\n"
        f"CREATE TABLE {q(db, 'b')} (id INTEGER PRIMARY KEY) -- the `;` is below\n;\n"
        + (f"CREATE FUNCTION one() RETURNS integer LANGUAGE plpgsql AS {body};\n" if body else "")
        + f"CREATE TABLE {q(db, 'c')} (id INTEGER PRIMARY KEY) -- no final semicolon"
    )
    with connect(parse_url(db.url, base_dir=tmp_path)) as session:
        sent: list[str] = []
        execute = session.execute

        def counted(sql: str, params: object = None) -> None:
            sent.append(sql)
            execute(sql, params)  # type: ignore[arg-type]

        session.execute = counted  # type: ignore[method-assign]
        report = replay(session, [("1_init", script), ("2_more", f"DROP TABLE {q(db, 'b')}")])
        tables = [t.name for t in inspect_database(session).tables]
    assert report.migrations == ("1_init", "2_more")
    assert tables == ["a", "c"]
    if db.dialect == "postgresql":
        assert db.sql("SELECT one()") == [(1,)]
        assert len(sent) == 2  # one message per migration: none fell back to one by one


def test_replay_failure_names_the_statement_and_keeps_earlier_migrations(
    db: TestDatabase, tmp_path: Path
):
    """The failing statement's number, line and error are those of a one-by-one run; on
    PostgreSQL the failing migration is rolled back whole, the ones before it stay."""
    broken = (
        "-- a comment first\n"
        f"CREATE TABLE {q(db, 'b')} (id INTEGER PRIMARY KEY);\n"
        "\n"
        f"CREATE INDEX {q(db, 'nowhere_idx')} ON {q(db, 'nowhere')} (x);\n"
        f"CREATE TABLE {q(db, 'c')} (id INTEGER PRIMARY KEY);\n"
    )
    with connect(parse_url(db.url, base_dir=tmp_path)) as session:
        replay(session, [("1_ok", f"CREATE TABLE {q(db, 'a')} (id INTEGER PRIMARY KEY);")])
        with pytest.raises(ReplayFailed) as caught:
            replay(session, [("2_broken", broken)])
        assert not session.in_transaction
        tables = {t.name for t in inspect_database(session).tables}
        # The session is usable after the failure.
        replay(session, [("3_after", f"CREATE TABLE {q(db, 'd')} (id INTEGER PRIMARY KEY);")])
    failure = caught.value
    assert failure.migration == "2_broken"
    assert failure.record.statement_index == 2 and failure.record.statement_count == 3
    assert failure.record.statement_line == 4
    assert "at statement 2 of 3 (line 4)" in failure.message
    assert "nowhere" in failure.record.message
    if db.dialect == "postgresql":
        assert failure.record.error_code == "42P01"
        assert failure.record.rolled_back == (1,)
        assert tables == {"a"}
    else:  # statements before the failure stay: DDL commits (MySQL), no transaction (SQLite)
        assert tables == {"a", "b"}
