"""Reading prisma.config.ts without Node: the forms Prisma 7 projects use, what is stepped over,
and what is refused (M1010) or missing (M1005)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mend_core.errors import MendError
from mend_core.project.config_file import CONFIG_CANDIDATES, find_config_file
from mend_core.project.prisma_config import ConfigValue, PrismaConfig, parse_config

CONFIG = Path("/project/prisma.config.ts")


def parse(text: str, path: Path = CONFIG) -> PrismaConfig:
    return parse_config(text, path)


def value(field: ConfigValue | None, environ: dict[str, str] | None = None) -> str | None:
    assert field is not None
    return field.evaluate(environ or {}, {}).value


def refused(field: ConfigValue | None, environ: dict[str, str] | None = None) -> MendError:
    assert field is not None
    with pytest.raises(MendError) as caught:
        field.evaluate(environ or {}, {})
    return caught.value


def test_config_file_names_in_prisma_7_order(tmp_path: Path):
    assert find_config_file(tmp_path) is None
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "prisma.config.ts").write_text("export default {}\n")
    assert find_config_file(tmp_path) == tmp_path / ".config" / "prisma.config.ts"
    (tmp_path / ".config" / "prisma.ts").write_text("export default {}\n")
    assert find_config_file(tmp_path) == tmp_path / ".config" / "prisma.ts"
    (tmp_path / "prisma.config.mts").write_text("export default {}\n")
    assert find_config_file(tmp_path) == tmp_path / "prisma.config.mts"
    (tmp_path / "prisma.config.ts").write_text("export default {}\n")
    assert find_config_file(tmp_path) == tmp_path / "prisma.config.ts"
    # c12 tries .js before .ts, whatever the project's language.
    (tmp_path / "prisma.config.js").write_text("module.exports = {}\n")
    assert find_config_file(tmp_path) == tmp_path / "prisma.config.js"
    # Prisma 7.10 looks for prisma7.config.* before anything else.
    (tmp_path / ".config" / "prisma7.cts").write_text("module.exports = {}\n")
    assert find_config_file(tmp_path) == tmp_path / ".config" / "prisma7.cts"
    (tmp_path / "prisma7.config.ts").write_text("export default {}\n")
    assert find_config_file(tmp_path) == tmp_path / "prisma7.config.ts"
    # A folder with the name of a candidate is not a config file.
    assert "prisma.config.json" not in CONFIG_CANDIDATES
    assert CONFIG_CANDIDATES.index("prisma.config/index.ts") > CONFIG_CANDIDATES.index(
        "prisma.config.cts"
    )


def test_the_prisma_init_template():
    config = parse(
        "import 'dotenv/config'\n"
        'import { defineConfig, env } from "prisma/config";\n'
        "\n"
        "export default defineConfig({\n"
        '  schema: "prisma/schema.prisma",\n'
        "  migrations: {\n"
        '    path: "prisma/migrations",\n'
        '    seed: "tsx prisma/seed.ts",\n'
        "  },\n"
        "  datasource: {\n"
        '    url: env("DATABASE_URL"),\n'
        "  },\n"
        "});\n"
    )
    assert config.reads_dotenv
    assert value(config.schema) == "prisma/schema.prisma"
    assert value(config.migrations_path) == "prisma/migrations"
    assert config.url is not None and config.url.line == 11
    evaluated = config.url.evaluate({"DATABASE_URL": "postgresql://u@h/db"}, {})
    assert (evaluated.value, evaluated.variable) == ("postgresql://u@h/db", "DATABASE_URL")
    assert config.shadow_database_url is None
    assert config.schema is not None
    assert config.schema.evaluate_path({}, {}) == Path("/project/prisma/schema.prisma")


def test_satisfies_form_quotes_comments_and_path_join():
    config = parse(
        "// A config written by hand.\n"
        "import type { PrismaConfig } from 'prisma'\n"
        "import { join } from 'node:path'\n"
        "import * as path from 'path'\n"
        "/* The schema is split:\n"
        "   { one file per domain } */\n"
        "export default {\n"
        "  'schema': join('db', 'schema',),\n"
        "  \"migrations\": { path: path.join(`db`, \"history\", '..', 'migrations'), },\n"
        "  datasource: {\n"
        "    url: 'postgresql://u:pw@h:5432/app', // the // in the URL is not a comment\n"
        "    shadowDatabaseUrl: `postgresql://u@h:5432/shadow`,\n"
        "  },\n"
        "} satisfies PrismaConfig\n"
    )
    assert not config.reads_dotenv
    assert value(config.schema) == "db/schema"
    assert value(config.migrations_path) == "db/migrations"
    assert value(config.url) == "postgresql://u:pw@h:5432/app"
    assert value(config.shadow_database_url) == "postgresql://u@h:5432/shadow"
    assert config.url is not None and config.url.line == 11


def test_process_env_chains_follow_javascript():
    config = parse(
        "export default {\n"
        "  datasource: {\n"
        "    url: process.env.PRIMARY ?? process.env['FALLBACK'] ?? '',\n"
        "    shadowDatabaseUrl: process.env.SHADOW! || 'file:./shadow.db',\n"
        "  },\n"
        "}\n"
    )
    assert config.url is not None and config.shadow_database_url is not None
    both = config.url.evaluate({"PRIMARY": "file:./a.db", "FALLBACK": "file:./b.db"}, {})
    assert (both.value, both.variable) == ("file:./a.db", "PRIMARY")
    second = config.url.evaluate({"FALLBACK": "file:./b.db"}, {})
    assert (second.value, second.variable, second.unset) == (
        "file:./b.db",
        "FALLBACK",
        ("PRIMARY",),
    )
    # ?? falls through on undefined only: an empty PRIMARY is the value.
    assert config.url.evaluate({"PRIMARY": "", "FALLBACK": "file:./b.db"}, {}).value == ""
    neither = config.url.evaluate({}, {})
    assert (neither.value, neither.unset) == ("", ("PRIMARY", "FALLBACK"))
    # || falls through on the empty string too.
    assert config.shadow_database_url.evaluate({"SHADOW": ""}, {}).value == "file:./shadow.db"
    assert config.shadow_database_url.evaluate({"SHADOW": "file:x"}, {}).value == "file:x"


def test_env_reads_dotenv_only_when_the_config_loads_it():
    body = (
        "import { env } from 'prisma/config'\n"
        "export default { datasource: { url: env('APP_DB') } }\n"
    )
    loads = parse("import 'dotenv/config'\n" + body)
    assert loads.url is not None
    assert loads.url.evaluate({}, {"APP_DB": "file:./env.db"}).value == "file:./env.db"
    # The environment wins over .env, as dotenv never overrides a variable already set.
    assert loads.url.evaluate({"APP_DB": "file:./os.db"}, {"APP_DB": "x"}).value == "file:./os.db"
    without = parse(body)
    assert without.url is not None
    with pytest.raises(MendError) as caught:
        without.url.evaluate({}, {"APP_DB": "file:./env.db"})
    assert caught.value.code == "M1005"
    assert "APP_DB" in caught.value.message and "dotenv/config" in caught.value.message
    for loader in (
        "require('dotenv').config()\n",
        "import dotenv from 'dotenv'\ndotenv.config()\n",
        "import { config } from 'dotenv'\nconfig({ path: '.env' })\n",
        "const { config: load } = require('dotenv')\nload()\n",
    ):
        assert parse(loader + body).reads_dotenv, loader
    assert not parse("import dotenv from 'dotenv'\n" + body).reads_dotenv


def test_unset_or_empty_env_variable_is_m1005_naming_it_and_the_file():
    config = parse_config(
        "import { defineConfig, env } from 'prisma/config'\n"
        "export default defineConfig({\n"
        "  datasource: { url: env('MISSING_DB') },\n"
        "})\n",
        Path("/project/.config/prisma.ts"),
        ".config/prisma.ts",
    )
    for environ in ({}, {"MISSING_DB": ""}):
        error = refused(config.url, environ)
        assert error.code == "M1005"
        assert "MISSING_DB" in error.message and ".config/prisma.ts (line 3" in error.message
        assert "--url" in error.hint


def test_fields_mend_does_not_need_may_hold_anything():
    config = parse(
        "#!/usr/bin/env node\n"
        "import path from 'node:path'\n"
        "import { defineConfig, env } from 'prisma/config'\n"
        "import { PrismaPg } from '@prisma/adapter-pg'\n"
        "const weird = `a ${`nested ${'}'} template`} b`\n"
        "export default defineConfig<Options>({\n"
        "  experimental: { externalTables: true, studio: false },\n"
        "  tables: { external: ['public.users', `audit_${weird}`] },\n"
        "  enums: { external: [] },\n"
        "  views: { path: `${process.cwd()}/views` },\n"
        "  typedSql: { path: path.resolve(__dirname, 'sql') },\n"
        "  adapter: async (): Promise<Adapter> => {\n"
        "    const re = /[}{]+\\/\"'`/g\n"
        "    if (1 / 2 > 0) { return new PrismaPg({ connectionString: '}' }) }\n"
        "    return null as unknown as Adapter\n"
        "  },\n"
        "  studio: { adapter() { return { a: [1, { b: 2 }] } }, get port() { return 5555 } },\n"
        "  migrations: {\n"
        "    seed: `tsx ${'prisma/seed.ts'}`,\n"
        '    initShadowDb: `CREATE TABLE "x" (id int); -- {`,\n'
        "    path: path.join('prisma', 'migrations'),\n"
        "  },\n"
        "  datasource: { url: env('DATABASE_URL') },\n"
        "  engine: 'classic' as const,\n"
        "  count: 3, flag: !true, list: [1, 2, 3].map((n) => n * 2),\n"
        "})\n"
    )
    assert value(config.migrations_path) == "prisma/migrations"
    assert value(config.url, {"DATABASE_URL": "mysql://u@h/db"}) == "mysql://u@h/db"
    assert config.schema is None and config.shadow_database_url is None


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("getUrl()", "calls `getUrl()`, a function mend does not know"),
        ("secrets.db.url()", "calls `secrets.db.url()`"),
        ("`postgresql://${host}/db`", "template literal with `${...}`"),
        ("dbUrl", "the variable `dbUrl`"),
        ("'file:' + name", "an expression with `+`"),
        ("process.env.CI ? 'a' : 'b'", "an expression with `?`"),
        ("['file:./dev.db']", "an array"),
        ("5432", "a number"),
        ("() => 'file:./dev.db'", "a function"),
        ("env('X')", "without importing it from 'prisma/config'"),
        ("path.join('a')", "without importing `path` from 'node:path'"),
        ("{ toString() { return 'x' } }", "an object, not a string"),
    ],
)
def test_what_mend_cannot_evaluate_is_m1010_with_field_line_and_hint(written: str, reason: str):
    config = parse(
        "export default {\n"
        "  migrations: { path: 'db' },\n"
        f"  datasource: {{\n    url: {written},\n  }},\n"
        "}\n"
    )
    # The other fields are still read.
    assert value(config.migrations_path) == "db"
    error = refused(config.url)
    assert error.code == "M1010"
    assert "`datasource.url` in prisma.config.ts (line 4)" in error.message
    assert reason in error.message
    assert "--url" in error.hint


def test_spread_and_computed_keys_make_later_fields_unknown():
    config = parse(
        "import { env } from 'prisma/config'\n"
        "const base = { schema: 'other.prisma' }\n"
        "export default {\n"
        "  schema: 'prisma/schema.prisma',\n"
        "  ...base,\n"
        "  migrations: { path: 'db/migrations' },\n"
        "  datasource: { [key]: 'x', shadowDatabaseUrl: 'file:./s.db' },\n"
        "}\n"
    )
    error = refused(config.schema)
    assert error.code == "M1010" and "spread (`...base`)" in error.message
    assert "--schema" in error.hint and "line 5" in error.message
    # A key written after the spread is known.
    assert value(config.migrations_path) == "db/migrations"
    assert value(config.shadow_database_url) == "file:./s.db"
    url_error = refused(config.url)
    assert "computed key" in url_error.message and "--url" in url_error.hint


def test_hints_name_the_option_that_replaces_the_field():
    config = parse(
        "export default {\n"
        "  schema: schemaPath(),\n"
        "  migrations: { path: `${root}/migrations` },\n"
        "  datasource: { shadowDatabaseUrl: shadow },\n"
        "}\n"
    )
    assert "--schema" in refused(config.schema).hint
    migrations = refused(config.migrations_path)
    assert "--migrations-dir" in migrations.hint and "(line 3)" in migrations.message
    assert "--shadow-url" in refused(config.shadow_database_url).hint
    assert config.url is None


def test_a_file_that_cannot_be_read_fails_only_when_a_field_is_needed():
    config = parse("export default defineConfig({\n  datasource: { url: 'unterminated },\n})\n")
    error = refused(config.url)
    assert error.code == "M1010" and "is never closed" in error.message
    assert "(line 2)" in error.message
    # No default export at all: every field is unknown.
    nothing = parse("import { defineConfig } from 'prisma/config'\nconst x = 1\n")
    assert "no `export default`" in refused(nothing.schema).message
    # A default export that is not an object.
    call = parse("export default loadConfig()\n")
    assert "calls `loadConfig()`" in refused(call.migrations_path).message
    # Brackets that never close cannot be stepped over.
    broken = parse(
        "export default {\n  adapter: () => { return (1,\n  datasource: { url: 'x' },\n}\n"
    )
    assert refused(broken.url).code == "M1010"


def test_commonjs_and_a_top_level_const():
    cjs = parse_config(
        "const path = require('node:path')\n"
        "const { defineConfig, env } = require('prisma/config')\n"
        "require('dotenv/config')\n"
        "module.exports = defineConfig({\n"
        "  schema: path.join(__dirname, 'prisma'),\n"
        "  datasource: { url: env('DATABASE_URL') },\n"
        "})\n",
        Path("/project/prisma.config.cjs"),
    )
    assert cjs.reads_dotenv
    assert value(cjs.schema) == "/project/prisma"
    assert value(cjs.url, {"DATABASE_URL": "file:./x.db"}) == "file:./x.db"
    const = parse(
        "import type { PrismaConfig } from 'prisma'\n"
        "const config: PrismaConfig = {\n"
        "  migrations: { path: 'db/migrations' },\n"
        "}\n"
        "export default config\n"
    )
    assert value(const.migrations_path) == "db/migrations"
    wrapped = parse(
        "import { defineConfig } from 'prisma/config'\n"
        "const config = { schema: 'db/schema.prisma' } as const\n"
        "export default defineConfig(config)\n"
    )
    assert value(wrapped.schema) == "db/schema.prisma"


def test_paths_join_like_node_and_start_from_the_config_folder():
    config = parse_config(
        "import path from 'path'\n"
        "export default {\n"
        "  schema: path.join('..', 'prisma', './schema.prisma'),\n"
        "  migrations: { path: path.join(import.meta.dirname, 'db', '', 'migrations') },\n"
        "}\n",
        Path("/project/.config/prisma.ts"),
    )
    assert config.schema is not None and config.migrations_path is not None
    assert config.schema.evaluate_path({}, {}) == Path("/project/prisma/schema.prisma")
    assert config.migrations_path.evaluate_path({}, {}) == Path("/project/.config/db/migrations")


def test_escapes_and_secrets():
    config = parse(
        "export default { datasource: {\n"
        "  url: 'postgresql://u:s3cr\\x65t@h/db\\u{2F}x',\n"
        '  shadowDatabaseUrl: "line\\\n'
        'continued",\n'
        "} }\n"
    )
    assert value(config.url) == "postgresql://u:s3cret@h/db/x"
    assert value(config.shadow_database_url) == "linecontinued"
    assert "s3cr" not in repr(config)
