"""Which column changes can lose data or fail on existing rows.

A type change is safe only when it is a known widening (a longer varchar, a bigger integer,
varchar to text, a wider decimal); any other type change is flagged, as are new NOT NULLs.
"""

from __future__ import annotations

import re

from mend_core.schema.model import Column

_TYPE = re.compile(r"^\s*(?P<base>[a-z][a-z0-9 _]*?)\s*(?:\((?P<args>[^)]*)\))?\s*(?P<rest>.*)$",
                   re.I)

_SYNONYMS = {
    "character varying": "varchar", "character": "char", "int": "integer", "int4": "integer",
    "int8": "bigint", "int2": "smallint", "float8": "double precision", "double": "double precision",
    "float4": "real", "numeric": "decimal", "bool": "boolean", "nvarchar": "varchar",
}
_INTEGERS = ["tinyint", "smallint", "mediumint", "integer", "bigint"]
_FLOATS = ["real", "float", "double precision"]
_TEXTS = {"text", "mediumtext", "longtext", "tinytext", "clob"}
_TEXT_RANK = {"tinytext": 0, "text": 1, "mediumtext": 2, "longtext": 3, "clob": 3}


def _parse(type_text: str) -> tuple[str, tuple[int, ...], str]:
    match = _TYPE.match(type_text.lower())
    if not match:
        return type_text.lower(), (), ""
    base = _SYNONYMS.get(match.group("base").strip(), match.group("base").strip())
    args = tuple(int(a) for a in re.findall(r"\d+", match.group("args") or ""))
    return base, args, match.group("rest").strip()


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


def column_change_risks(dialect: str, table: str, old: Column, new: Column) -> list[str]:
    name = f"`{table}.{new.name}`"
    risks = []
    if old.type != new.type and not is_widening(old.type, new.type):
        risks.append(f"changes {name} from {old.type} to {new.type}: values that do not "
                     "convert make the change fail or are cut")
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
