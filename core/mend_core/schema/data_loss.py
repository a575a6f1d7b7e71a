"""Which column changes can lose data or fail on existing rows.

A type change is safe only when it is a known widening (a longer varchar, a bigger integer,
varchar to text, a wider decimal); any other type change is flagged, as are new NOT NULLs.
"""

from __future__ import annotations

import re

from mend_core.schema.model import Column

_SYNONYMS = {
    "character varying": "varchar",
    "character": "char",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "float8": "double precision",
    "double": "double precision",
    "float4": "real",
    "numeric": "decimal",
    "bool": "boolean",
    "nvarchar": "varchar",
}
_INTEGERS = ["tinyint", "smallint", "mediumint", "integer", "bigint"]
_FLOATS = ["real", "float", "double precision"]
_TEXTS = {"text", "mediumtext", "longtext", "tinytext", "clob"}
_TEXT_RANK = {"tinytext": 0, "text": 1, "mediumtext": 2, "longtext": 3, "clob": 3}


_MODIFIERS = ("unsigned", "zerofill", "signed")


def _parse(type_text: str) -> tuple[str, tuple[int, ...], str]:
    """`varchar(191)` -> ("varchar", (191,), ""); `int(11) unsigned` -> ("integer", (11,),
    "unsigned"); `double precision` -> ("double precision", (), "")."""
    text = " ".join(type_text.lower().split())
    if "(" in text:
        base, _, remainder = text.partition("(")
        arguments, _, rest = remainder.partition(")")
    else:
        words = text.split(" ")
        tail: list[str] = []
        while len(words) > 1 and words[-1] in _MODIFIERS:
            tail.insert(0, words.pop())
        base, arguments, rest = " ".join(words), "", " ".join(tail)
    base = base.strip()
    args = tuple(int(a) for a in re.findall(r"\d+", arguments))
    return _SYNONYMS.get(base, base), args, rest.strip()


def is_widening(old_type: str, new_type: str) -> bool:
    """True when every value of `old_type` fits `new_type` unchanged."""
    old_base, old_args, old_rest = _parse(old_type)
    new_base, new_args, new_rest = _parse(new_type)
    if old_rest != new_rest:  # unsigned, zone, array...
        return False
    if old_base in _INTEGERS and new_base in _INTEGERS:
        return _INTEGERS.index(new_base) >= _INTEGERS.index(old_base)
    if old_base in _FLOATS and new_base in _FLOATS:
        return _FLOATS.index(new_base) >= _FLOATS.index(old_base)
    if old_base in ("varchar", "char") and new_base in _TEXTS:
        return True
    if old_base in _TEXTS and new_base in _TEXTS:
        return _TEXT_RANK[new_base] >= _TEXT_RANK[old_base]
    if old_base == "char" and new_base == "varchar":
        return not new_args or (bool(old_args) and new_args[0] >= old_args[0])
    if old_base != new_base:
        return False
    if old_base == "decimal" and old_args and new_args:
        old_scale = old_args[1] if len(old_args) > 1 else 0
        new_scale = new_args[1] if len(new_args) > 1 else 0
        return new_scale >= old_scale and new_args[0] - new_scale >= old_args[0] - old_scale
    if not new_args:  # varchar -> varchar without a limit
        return True
    return bool(old_args) and new_args[0] >= old_args[0]


_STRINGS = {"varchar", "char", "text", "tinytext", "mediumtext", "longtext", "clob"}
_NUMBERS = {*_INTEGERS, *_FLOATS, "decimal"}


def same_family(old_type: str, new_type: str) -> bool:
    """Both textual or both numeric: the database converts between them on its own (and
    refuses values that do not fit, rather than cutting them)."""
    old, new = _parse(old_type)[0], _parse(new_type)[0]
    return old == new or {old, new} <= _STRINGS or {old, new} <= _NUMBERS


def column_change_risks(dialect: str, table: str, old: Column, new: Column) -> list[str]:
    name = f"`{table}.{new.name}`"
    risks = []
    if old.type != new.type and not is_widening(old.type, new.type):
        risks.append(
            f"changes {name} from {old.type} to {new.type}: values that do not "
            "convert make the change fail or are cut"
        )
    if old.nullable and not new.nullable:
        risks.append(f"makes {name} NOT NULL: fails if a row holds NULL there")
    return risks


def describe_column(column: Column) -> str:
    parts = [column.type or "no type", "nullable" if column.nullable else "NOT NULL"]
    if column.default is not None:
        parts.append(f"default {column.default}")
    if column.autoincrement:
        parts.append("autoincrement")
    if column.identity:
        parts.append(f"identity {column.identity.lower()}")
    if column.generated:
        parts.append(f"generated from {column.generated}")
    return ", ".join(parts)
