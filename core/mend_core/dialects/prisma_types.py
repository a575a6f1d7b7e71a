"""A column's Prisma type and default, from the type and default as each database spells them.

The scalar type is the one Prisma's introspection gives; the native type attribute (`@db.X`) is
added only where the column is not Prisma's default for that scalar on that database. What has
no Prisma type is `Unsupported("...")`, as introspection writes it. Each family's mapping is
here; its dialect answers `prisma_type` with it (the hotfix's schema.prisma lines ask).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from mend_core.dialects import dialect_for

if TYPE_CHECKING:
    from mend_core.schema.model import Column

_ARGS = re.compile(r"^(?P<base>[a-z ]+?)\s*\((?P<args>[^)]*)\)(?P<rest>[a-z ]*)$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SCALARS = frozenset(
    {"String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes"}
)
_QUOTED = re.compile(r"^'((?:[^']|'')*)'(?:::[\w ]+(?:\(\d+\))?)?$")


def prisma_type(
    dialect: str, column: Column, enums: Collection[str] = ()
) -> tuple[str, str | None]:
    """(scalar, native attribute or None): `("String", "@db.VarChar(30)")`, as the dialect's
    family maps it."""
    return dialect_for(dialect).prisma_type(column, enums)


def postgres_prisma_type(column: Column, enums: Collection[str]) -> tuple[str, str | None]:
    spelled = column.type.strip()
    if spelled.endswith("[]"):
        scalar, native = _postgres(spelled[:-2].lower(), enums)
        return scalar + "[]", native
    return _postgres(spelled.lower(), enums, spelled)


def mysql_prisma_type(column: Column, enums: Collection[str]) -> tuple[str, str | None]:
    return _mysql(column.type.strip().lower(), column)


def sqlite_prisma_type(column: Column, enums: Collection[str]) -> tuple[str, str | None]:
    return _sqlite(column.type.strip().upper())


def _split(spelled: str) -> tuple[str, str, str]:
    """`timestamp(3) with time zone` -> (`timestamp`, `3`, `with time zone`)."""
    found = _ARGS.match(spelled)
    if found is None:
        for zone in (" with time zone", " without time zone"):
            if spelled.endswith(zone):
                return spelled.removesuffix(zone).strip(), "", zone.strip()
        return spelled.strip(), "", ""
    return (
        found.group("base").strip(),
        (found.group("args") or "").replace(" ", ""),
        (found.group("rest") or "").strip(),
    )


def _postgres(spelled: str, enums: Collection[str], original: str = "") -> tuple[str, str | None]:
    bare = (original or spelled).strip('"')
    if bare in enums:
        return bare, None
    base, args, rest = _split(spelled)
    with_args = f"({args.replace(',', ', ')})" if args else ""
    simple: dict[str, tuple[str, str | None]] = {
        "integer": ("Int", None),
        "int": ("Int", None),
        "smallint": ("Int", "@db.SmallInt"),
        "bigint": ("BigInt", None),
        "text": ("String", None),
        "boolean": ("Boolean", None),
        "double precision": ("Float", None),
        "real": ("Float", "@db.Real"),
        "jsonb": ("Json", None),
        "json": ("Json", "@db.Json"),
        "uuid": ("String", "@db.Uuid"),
        "bytea": ("Bytes", None),
        "date": ("DateTime", "@db.Date"),
        "xml": ("String", "@db.Xml"),
        "inet": ("String", "@db.Inet"),
        "money": ("Decimal", "@db.Money"),
    }
    if base in simple and not args:
        return simple[base]
    if base == "character varying":
        return "String", f"@db.VarChar{with_args}"
    if base == "character":
        return "String", f"@db.Char{with_args}"
    if base == "numeric":
        return "Decimal", None if args == "65,30" else f"@db.Decimal{with_args}"
    if base == "timestamp":
        if "with time zone" in rest:
            return "DateTime", f"@db.Timestamptz{with_args}"
        return "DateTime", None if args == "3" else f"@db.Timestamp{with_args}"
    if base == "time":
        zone = "Timetz" if "with time zone" in rest else "Time"
        return "DateTime", f"@db.{zone}{with_args}"
    return f'Unsupported("{spelled}")', None


def _mysql(spelled: str, column: Column) -> tuple[str, str | None]:
    unsigned = " unsigned" in spelled
    base, args, _ = _split(spelled.replace(" unsigned", "").replace(" zerofill", ""))
    with_args = f"({args.replace(',', ', ')})" if args else ""
    if base == "tinyint" and args == "1":
        return "Boolean", None
    integers = {
        "int": "Int",
        "mediumint": "MediumInt",
        "smallint": "SmallInt",
        "tinyint": "TinyInt",
    }
    if base in integers:
        scalar_native = integers[base]
        if base == "int" and not unsigned:
            return "Int", None
        return "Int", f"@db.{'Unsigned' if unsigned else ''}{scalar_native}"
    if base == "bigint":
        return "BigInt", "@db.UnsignedBigInt" if unsigned else None
    if base == "varchar":
        return "String", None if args == "191" else f"@db.VarChar{with_args}"
    if base == "char":
        return "String", f"@db.Char{with_args}"
    if base == "longtext" and column.check and "json_valid" in column.check:
        return "Json", None  # MariaDB's JSON is LONGTEXT with a json_valid check
    texts = {"text": "Text", "tinytext": "TinyText", "mediumtext": "MediumText"}
    if base in texts or base == "longtext":
        return "String", f"@db.{texts.get(base, 'LongText')}"
    if base == "json":
        return "Json", None
    if base == "datetime":
        return "DateTime", None if args == "3" else f"@db.DateTime{with_args}"
    if base == "timestamp":
        return "DateTime", f"@db.Timestamp{with_args}"
    if base == "date":
        return "DateTime", "@db.Date"
    if base == "double":
        return "Float", None
    if base == "float":
        return "Float", "@db.Float"
    if base == "decimal":
        return "Decimal", None if args == "65,30" else f"@db.Decimal{with_args}"
    blobs = {"blob": "Blob", "longblob": "LongBlob", "mediumblob": "MediumBlob"}
    if base in blobs:
        return "Bytes", None if base == "longblob" else f"@db.{blobs[base]}"
    return f'Unsupported("{spelled}")', None


def _sqlite(spelled: str) -> tuple[str, str | None]:
    known = {
        "INTEGER": "Int",
        "INT": "Int",
        "BIGINT": "BigInt",
        "TEXT": "String",
        "REAL": "Float",
        "BOOLEAN": "Boolean",
        "DATETIME": "DateTime",
        "DECIMAL": "Decimal",
        "BLOB": "Bytes",
        "JSONB": "Json",
    }
    base = spelled.split("(", 1)[0].strip()
    if base in known:
        return known[base], None
    return f'Unsupported("{spelled.lower()}")', None


def prisma_default(dialect: str, column: Column, scalar: str) -> str | None:
    """The `@default(...)` argument: a literal, now(), autoincrement(), else dbgenerated()."""
    if column.autoincrement or column.identity:
        return "autoincrement()"
    raw = column.default
    if raw is None or column.generated:
        return None
    text = raw.strip()
    lowered = text.lower()
    if lowered.startswith(("current_timestamp", "now()")):
        return "now()"
    if scalar == "Boolean" and lowered in ("0", "1", "false", "true", "'0'", "'1'"):
        return "true" if lowered.strip("'") in ("1", "true") else "false"
    if _NUMBER.match(text):
        return text
    quoted = _QUOTED.match(text)
    if quoted is not None:
        string = quoted.group(1).replace("''", "'")
        if _NUMBER.match(string) and scalar in ("Int", "BigInt", "Float", "Decimal"):
            return string
        if scalar not in _SCALARS and not scalar.startswith("Unsupported"):
            return string  # an enum's value is written bare
        return '"' + string.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if lowered == "null":
        return None
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'dbgenerated("{escaped}")'
