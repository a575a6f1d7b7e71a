"""Statement splitting per dialect, without a database: what each splitter must get right."""

from __future__ import annotations

import pytest

from mend_core.database.splitting import split_script
from mend_core.errors import MendError


def texts(dialect: str, script: str) -> list[str]:
    return [s.code for s in split_script(dialect, script)]


def test_mysql_quotes_comments_and_escapes():
    script = (
        "SELECT 'a;b'; SELECT \"c;d\"; SELECT `e;f`; -- x;y\nSELECT 1; # z;w\n"
        "SELECT 2 /* ; */; SELECT 'it\\'s;'; INSERT INTO t VALUES ('a''b;c');\n# trailing;\n"
    )
    assert texts("mysql", script) == [
        "SELECT 'a;b';",
        'SELECT "c;d";',
        "SELECT `e;f`;",
        "SELECT 1;",
        "SELECT 2 /* ; */;",
        "SELECT 'it\\'s;';",
        "INSERT INTO t VALUES ('a''b;c');",
    ]


def test_mysql_compound_statements_use_the_grammar():
    script = (
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN\n"
        "  IF NEW.a > 0 THEN SET NEW.a = 1; END IF;\nEND;\nSELECT 1;\n"
    )
    assert len(texts("mysql", script)) == 2


def test_mysql_delimiter_refused():
    with pytest.raises(MendError) as caught:
        split_script("mysql", "SELECT 1;\nDELIMITER $$\n")
    assert caught.value.code == "M2005" and "Line 2" in caught.value.message


def test_postgres_dollar_quotes_and_broken_scripts():
    script = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT 'x;y';"
    assert len(texts("postgresql", script)) == 2
    # Unparseable: split on the scanner's top-level semicolons, so the server reports the
    # error at the right statement instead of the script being dropped.
    assert texts("postgresql", "SELEC 1; SELECT 2;") == ["SELEC 1;", "SELECT 2;"]
    assert texts("postgresql", "SELECT 'unterminated") == ["SELECT 'unterminated"]


def test_postgres_statements_that_cannot_run_in_a_transaction():
    statements = split_script(
        "postgresql",
        "CREATE INDEX CONCURRENTLY i ON t (x); VACUUM t; ALTER TYPE mood ADD VALUE 'x'; "
        "CREATE INDEX j ON t (y);",
    )
    # ADD VALUE shares the transaction since PostgreSQL 12, as in Prisma's one message.
    assert [s.autocommit for s in statements] == [True, True, False, False]


def test_sqlite_triggers_and_trailing_comments():
    script = (
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = CASE WHEN 1 THEN 2 END; "
        'SELECT 1; END;\nCREATE TABLE "end" (x);\n-- done\n'
    )
    assert len(texts("sqlite", script)) == 2


def test_line_numbers_and_leading_comments_kept():
    statements = split_script("sqlite", "-- first\nCREATE TABLE a (x);\n\n\nCREATE TABLE b (x);\n")
    assert [(s.index, s.line) for s in statements] == [(1, 1), (2, 5)]
    assert statements[0].sql.startswith("-- first")
