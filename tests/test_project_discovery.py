"""Finding a project as Prisma 6 and 7 do: the config file, a schema file or folder, the
migrations folder, the URL's precedence, and the errors for paths and files that are wrong."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import Project as ProjectFolder
from mend_core.errors import MendError
from mend_core.project.discovery import (
    SchemaValue,
    find_project,
    resolve_shadow_target,
    resolve_target,
)
from mend_core.project.prisma_config import ConfigValue

CONFIG_HEAD = "import 'dotenv/config'\nimport { defineConfig, env } from 'prisma/config'\n"


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def sqlite_schema(url_line: str = "") -> str:
    return f'datasource db {{\n  provider = "sqlite"\n{url_line}}}\n'


def error_of(call: object, *args: object, **kwargs: object) -> MendError:
    assert callable(call)
    with pytest.raises(MendError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- Prisma 7 projects -----------------------------------------------------------------------


def test_config_sets_schema_migrations_and_url(tmp_path: Path):
    write(
        tmp_path / "prisma.config.ts",
        CONFIG_HEAD + "export default defineConfig({\n"
        "  schema: 'db/schema.prisma',\n"
        "  migrations: { path: 'db/history' },\n"
        "  datasource: { url: env('APP_DB') },\n"
        "})\n",
    )
    write(tmp_path / "db" / "schema.prisma", sqlite_schema())
    write(tmp_path / ".env", 'APP_DB="file:./data/app.db"\n')
    project = find_project(tmp_path)
    assert project.config is not None and project.config.where == "prisma.config.ts"
    assert project.schema is not None and project.schema.path == tmp_path / "db" / "schema.prisma"
    assert project.provider == "sqlite"
    # migrations.path need not exist yet (a new project), like the default.
    assert project.migrations_dir == tmp_path / "db" / "history"
    resolved = resolve_target(project, environ={})
    # A relative file: URL from the config is relative to the config's folder, not the schema's.
    assert resolved.target.path == tmp_path / "data" / "app.db"
    assert resolved.source == "APP_DB (prisma.config.ts datasource.url)"


def test_config_in_dot_config_resolves_from_its_own_folder(tmp_path: Path):
    write(
        tmp_path / ".config" / "prisma.ts",
        "import path from 'node:path'\n"
        "export default {\n"
        "  schema: path.join('..', 'prisma', 'schema.prisma'),\n"
        "  datasource: { url: 'file:../dev.db' },\n"
        "}\n",
    )
    write(tmp_path / "prisma" / "schema.prisma", sqlite_schema())
    project = find_project(tmp_path)
    assert project.schema is not None
    assert project.schema.path == tmp_path / "prisma" / "schema.prisma"
    assert project.migrations_dir == tmp_path / "prisma" / "migrations"
    resolved = resolve_target(project, environ={})
    assert resolved.target.path == tmp_path / "dev.db"
    assert resolved.source == ".config/prisma.ts (datasource.url)"


def test_url_precedence(tmp_path: Path):
    write(
        tmp_path / "prisma.config.ts",
        "export default { datasource: { url: 'file:./config.db' } }\n",
    )
    # A schema url is a Prisma 6 form (Prisma 7 rejects it, P1012): the config comes first.
    write(tmp_path / "prisma" / "schema.prisma", sqlite_schema('  url = "file:./schema.db"\n'))
    project = find_project(tmp_path)
    config = resolve_target(project, environ={})
    assert (config.source, config.target.path) == (
        "prisma.config.ts (datasource.url)",
        tmp_path / "config.db",
    )
    write(tmp_path / ".env", "DATABASE_URL=file:./dotenv.db\n")
    project = find_project(tmp_path)
    dotenv = resolve_target(project, environ={})
    assert dotenv.source == "DATABASE_URL (.env)"
    environment = resolve_target(project, environ={"DATABASE_URL": "file:./environ.db"})
    assert environment.source == "DATABASE_URL (environment)"
    # In a project whose schema carries the URL, DATABASE_URL's file: is relative to the schema.
    assert environment.target.path == tmp_path / "prisma" / "environ.db"
    given = resolve_target(project, url="file:./given.db", environ={"DATABASE_URL": "x"})
    assert (given.source, given.target.path) == ("--url", tmp_path / "given.db")


def test_database_url_in_a_prisma_7_project_is_relative_to_the_config(tmp_path: Path):
    write(tmp_path / "app" / "prisma.config.ts", "export default { schema: 'db' }\n")
    write(tmp_path / "app" / "db" / "schema.prisma", sqlite_schema())
    project = find_project(tmp_path / "app")
    resolved = resolve_target(project, environ={"DATABASE_URL": "file:./dev.db"})
    assert resolved.target.path == tmp_path / "app" / "dev.db"


def test_the_schema_url_is_used_when_the_config_gives_none(tmp_path: Path):
    write(
        tmp_path / "prisma.config.ts",
        "export default { datasource: { url: process.env.APP_DB ?? '' } }\n",
    )
    write(tmp_path / "prisma" / "schema.prisma", sqlite_schema('  url = env("SCHEMA_DB")\n'))
    project = find_project(tmp_path)
    resolved = resolve_target(project, environ={"SCHEMA_DB": "file:./s.db"})
    assert resolved.source == "SCHEMA_DB (prisma/schema.prisma url)"
    assert resolved.target.path == tmp_path / "prisma" / "s.db"
    from_config = resolve_target(project, environ={"APP_DB": "file:./c.db"})
    assert from_config.target.path == tmp_path / "c.db"


def test_an_empty_config_url_and_no_schema_url_is_m1001_saying_why(tmp_path: Path):
    write(
        tmp_path / "prisma.config.ts",
        "export default { datasource: { url: process.env.APP_DB ?? '' } }\n",
    )
    write(tmp_path / "prisma" / "schema.prisma", sqlite_schema())
    write(tmp_path / ".env", "APP_DB=file:./dev.db\n")
    error = error_of(resolve_target, find_project(tmp_path), environ={})
    assert error.code == "M1001"
    assert "empty datasource.url in prisma.config.ts" in error.message
    assert "APP_DB" in error.message and "dotenv/config" in error.message


def test_config_values_are_evaluated_only_when_needed(tmp_path: Path):
    write(
        tmp_path / "prisma.config.ts",
        CONFIG_HEAD + "export default defineConfig({\n"
        "  datasource: {\n"
        "    url: env('UNSET_DB'),\n"
        "    shadowDatabaseUrl: getShadow(),\n"
        "  },\n"
        "})\n",
    )
    project = find_project(tmp_path)
    assert resolve_target(project, environ={"DATABASE_URL": "file:./x.db"}).source.startswith(
        "DATABASE_URL"
    )
    assert resolve_target(project, url="file:./y.db", environ={}).source == "--url"
    unset = error_of(resolve_target, project, environ={})
    assert unset.code == "M1005"
    assert "UNSET_DB" in unset.message and "prisma.config.ts (line 5" in unset.message
    assert "--url" in unset.hint
    shadow = error_of(resolve_shadow_target, project, environ={})
    assert shadow.code == "M1010" and "getShadow()" in shadow.message
    assert "--shadow-url" in shadow.hint


def test_an_unreadable_config_url_is_m1010_with_the_field_and_line(tmp_path: Path):
    write(
        tmp_path / "prisma.config.ts",
        "export default {\n  datasource: {\n    url: `postgresql://${user}@db/app`,\n  },\n}\n",
    )
    error = error_of(resolve_target, find_project(tmp_path), environ={})
    assert error.code == "M1010"
    assert "`datasource.url` in prisma.config.ts (line 3)" in error.message
    assert "${...}" in error.message and "--url" in error.hint


def test_an_unreadable_config_schema_needs_schema_option(tmp_path: Path):
    write(tmp_path / "prisma.config.ts", "export default { schema: schemaPath }\n")
    write(tmp_path / "prisma" / "schema.prisma", sqlite_schema())
    error = error_of(find_project, tmp_path)
    assert error.code == "M1010" and "--schema" in error.hint
    given = find_project(tmp_path, schema_path=Path("prisma/schema.prisma"))
    assert given.schema is not None and given.provider == "sqlite"


def test_shadow_url_from_config_or_schema(tmp_path: Path):
    config = write(
        tmp_path / "prisma.config.ts",
        CONFIG_HEAD + "export default defineConfig({\n"
        "  datasource: { shadowDatabaseUrl: env('SHADOW_URL') },\n"
        "})\n",
    )
    write(tmp_path / "prisma" / "schema.prisma", sqlite_schema('  shadowDatabaseUrl = "x"\n'))
    project = find_project(tmp_path)
    assert isinstance(project.shadow_url, ConfigValue)
    shadow = resolve_shadow_target(project, environ={"SHADOW_URL": "file:./shadow.db"})
    assert shadow is not None and shadow.target.path == tmp_path / "shadow.db"
    assert shadow.source == "SHADOW_URL (prisma.config.ts datasource.shadowDatabaseUrl)"
    config.unlink()
    project = find_project(tmp_path)
    assert isinstance(project.shadow_url, SchemaValue)
    write(
        tmp_path / "prisma" / "schema.prisma",
        sqlite_schema('  shadowDatabaseUrl = env("SHADOW_URL")\n'),
    )
    shadow = resolve_shadow_target(find_project(tmp_path), environ={"SHADOW_URL": "file:s.db"})
    assert shadow is not None and shadow.target.path == tmp_path / "prisma" / "s.db"
    write(tmp_path / "prisma" / "schema.prisma", sqlite_schema())
    assert find_project(tmp_path).shadow_url is None
    assert resolve_shadow_target(find_project(tmp_path), environ={}) is None


# --- Multi-file schemas ----------------------------------------------------------------------


def test_folder_schema_on_prisma_7_keeps_migrations_inside_the_folder(tmp_path: Path):
    write(tmp_path / "prisma.config.ts", "export default { schema: 'prisma/schema' }\n")
    write(tmp_path / "prisma" / "schema" / "a_models.prisma", "model User {\n  id Int @id\n}\n")
    write(
        tmp_path / "prisma" / "schema" / "core" / "main.prisma",
        'generator client {\n  provider = "prisma-client"\n}\n' + sqlite_schema(),
    )
    project = find_project(tmp_path)
    assert project.schema is not None
    assert project.schema.folder == tmp_path / "prisma" / "schema"
    assert project.schema.path == tmp_path / "prisma" / "schema" / "core" / "main.prisma"
    assert project.provider == "sqlite"
    # Prisma 7: inferDirectoryConfig puts migrations in the schema root folder.
    assert project.migrations_dir == tmp_path / "prisma" / "schema" / "migrations"


def test_folder_schema_on_prisma_6_keeps_migrations_beside_the_datasource(tmp_path: Path):
    folder = tmp_path / "prisma" / "schema"
    write(folder / "models.prisma", "model User {\n  id Int @id\n}\n")
    write(folder / "core" / "main.prisma", sqlite_schema('  url = "file:./dev.db"\n'))
    project = find_project(tmp_path, schema_path=Path("prisma/schema"))
    assert project.schema is not None and project.schema.sets_url
    assert project.migrations_dir == folder / "core" / "migrations"
    resolved = resolve_target(project, environ={})
    assert resolved.target.path == folder / "core" / "dev.db"


def test_folder_schema_without_a_datasource_and_without_files(tmp_path: Path):
    write(tmp_path / "schema" / "models.prisma", "model A {\n  id Int @id\n}\n")
    project = find_project(tmp_path, schema_path=Path("schema"))
    assert project.schema is not None and project.provider is None
    assert project.migrations_dir == tmp_path / "schema" / "migrations"
    (tmp_path / "empty").mkdir()
    error = error_of(find_project, tmp_path, schema_path=Path("empty"))
    assert error.code == "M1008" and "no .prisma files" in error.message


# --- Paths that do not exist -----------------------------------------------------------------


def test_missing_schema_option_is_m1008(tmp_path: Path):
    error = error_of(find_project, tmp_path, schema_path=Path("nonexistent/schema.prisma"))
    assert error.code == "M1008"
    assert "nonexistent/schema.prisma" in error.message and str(tmp_path) in error.message
    assert error.hint


def test_missing_or_file_migrations_dir_is_m1008(tmp_path: Path):
    error = error_of(find_project, tmp_path, migrations_dir=Path("/nonexistent/migrations"))
    assert error.code == "M1008" and "does not exist" in error.message
    assert "/nonexistent/migrations" in error.message
    write(tmp_path / "notes.txt", "not a folder\n")
    error = error_of(find_project, tmp_path, migrations_dir=Path("notes.txt"))
    assert error.code == "M1008" and "is a file, not a folder" in error.message
    (tmp_path / "db").mkdir()
    assert find_project(tmp_path, migrations_dir=Path("db")).migrations_dir == tmp_path / "db"


def test_defaults_may_be_absent(tmp_path: Path):
    project = find_project(tmp_path)
    assert project.schema is None and project.config is None
    assert project.migrations_dir == tmp_path / "prisma" / "migrations"


def test_paths_named_by_the_config(tmp_path: Path):
    config = write(
        tmp_path / "prisma.config.ts", "export default { schema: 'db/missing.prisma' }\n"
    )
    error = error_of(find_project, tmp_path)
    assert error.code == "M1008"
    assert "prisma.config.ts (line 1)" in error.message and "db/missing.prisma" in error.message
    assert "--schema" in error.hint
    write(tmp_path / "history", "a file\n")
    config.write_text("export default { migrations: { path: 'history' } }\n")
    error = error_of(find_project, tmp_path)
    assert error.code == "M1008" and "--migrations-dir" in error.hint


def test_relative_options_are_relative_to_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    write(tmp_path / "app" / "db" / "schema.prisma", sqlite_schema())
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    project = find_project(tmp_path / "app", schema_path=Path("db/schema.prisma"))
    assert project.schema is not None
    assert project.migrations_dir == tmp_path / "app" / "db" / "migrations"


# --- Files that are not UTF-8 ----------------------------------------------------------------


def test_env_file_not_utf8_is_m1010_with_line_and_byte(tmp_path: Path):
    write(tmp_path / ".env", b"# ok\nNAME=caf\xe9\n")
    project = find_project(tmp_path)
    error = error_of(resolve_target, project, environ={})
    assert error.code == "M1010"
    assert ".env is not UTF-8" in error.message and "0xe9" in error.message
    assert "line 2, column 9" in error.message
    assert "UTF-8" in error.hint and "--url" in error.hint
    # --url does not read .env.
    assert resolve_target(project, url="file:./x.db", environ={}).source == "--url"


def test_utf16_env_file_is_named_as_such(tmp_path: Path):
    write(tmp_path / ".env", "DATABASE_URL=file:./dev.db\n".encode("utf-16"))
    error = error_of(resolve_target, find_project(tmp_path), environ={})
    assert error.code == "M1010" and "UTF-16" in error.message


def test_env_file_with_utf8_bom_is_read(tmp_path: Path):
    write(tmp_path / ".env", b"\xef\xbb\xbfDATABASE_URL=file:./dev.db\n")
    resolved = resolve_target(find_project(tmp_path), environ={})
    assert resolved.source == "DATABASE_URL (.env)"


def test_schema_and_config_not_utf8_are_m1010(tmp_path: Path):
    write(
        tmp_path / "prisma" / "schema.prisma",
        b'datasource db {\n  provider = "sqlite" // \xff\n}\n',
    )
    error = error_of(find_project, tmp_path)
    assert error.code == "M1010" and "prisma/schema.prisma is not UTF-8" in error.message
    assert "line 2" in error.message and "0xff" in error.message
    write(tmp_path / "prisma" / "schema.prisma", sqlite_schema())
    write(tmp_path / "prisma.config.ts", b"export default { schema: 'caf\xe9' }\n")
    error = error_of(find_project, tmp_path)
    assert error.code == "M1010" and "prisma.config.ts is not UTF-8" in error.message


def test_schema_literal_url_keeps_its_double_slash(tmp_path: Path):
    write(
        tmp_path / "prisma" / "schema.prisma",
        'datasource db { // the URL is written out\n  provider = "postgresql"\n'
        '  url = "postgresql://app@db.example:5432/shop" // not a secret\n}\n',
    )
    resolved = resolve_target(find_project(tmp_path), environ={})
    assert (resolved.target.host, resolved.target.database) == ("db.example", "shop")


# --- The command line ------------------------------------------------------------------------


def prisma7_folder(tmp_path: Path) -> ProjectFolder:
    root = tmp_path / "shop"
    write(
        root / "prisma.config.ts",
        CONFIG_HEAD + "import path from 'node:path'\n\n"
        "export default defineConfig({\n"
        "  schema: 'prisma/schema.prisma',\n"
        "  migrations: { path: path.join('db', 'migrations') },\n"
        "  datasource: { url: env('SHOP_DB') },\n"
        "})\n",
    )
    write(root / "prisma" / "schema.prisma", sqlite_schema())
    write(root / ".env", 'SHOP_DB="file:./data/shop.db"\n')
    (root / "data").mkdir()
    sqlite3.connect(root / "data" / "shop.db").close()
    write(root / "db" / "migrations" / "0_init" / "migration.sql", "CREATE TABLE a (id INTEGER);\n")
    return ProjectFolder(root, "", "sqlite")


def test_status_in_a_prisma_7_project(tmp_path: Path):
    folder = prisma7_folder(tmp_path)
    completed = folder.mend("status", "--json")
    assert completed.returncode == 3, completed.stderr
    summary = json.loads(completed.stdout)["summary"]
    assert summary["url_source"] == "SHOP_DB (prisma.config.ts datasource.url)"
    assert summary["migrations_dir"] == str(folder.root / "db" / "migrations")
    assert [m["name"] for m in json.loads(completed.stdout)["migrations"]] == ["0_init"]
    assert not (folder.root / "prisma" / "data").exists()


def test_cli_errors_for_paths_and_config(tmp_path: Path):
    folder = prisma7_folder(tmp_path)
    for args, code in (
        (("--schema", "nonexistent.prisma"), "M1008"),
        (("--migrations-dir", "/nonexistent"), "M1008"),
    ):
        completed = folder.mend("status", *args)
        assert completed.returncode == 1, completed.stdout
        assert completed.stderr.startswith(f"Error: {code}\n")
        assert "Hint:" in completed.stderr and "Traceback" not in completed.stderr
    write(folder.root / ".env", b"SHOP_DB=file:./data/sh\xf6p.db\n")
    completed = folder.mend("status")
    assert completed.returncode == 1 and completed.stderr.startswith("Error: M1010\n")
    assert ".env" in completed.stderr and "Traceback" not in completed.stderr
    write(folder.root / ".env", "")
    (folder.root / "prisma.config.ts").write_text(
        "export default { migrations: { path: 'db/migrations' },\n"
        "  datasource: { url: vault.read('shop') } }\n"
    )
    completed = folder.mend("status")
    assert completed.returncode == 1 and completed.stderr.startswith("Error: M1010\n")
    assert "vault.read()" in completed.stderr and "--url" in completed.stderr
    url = f"file:{folder.root / 'data' / 'shop.db'}"
    assert folder.mend("status", "--url", url).returncode == 3
