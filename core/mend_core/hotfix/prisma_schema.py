"""The schema.prisma line that matches a hotfix item, for the common cases.

A hotfix recorded as a migration but missing from schema.prisma is undone by the next
`prisma migrate dev`, which diffs the schema against the migrations. mend never edits
schema.prisma: it prints the line to add (`@@index([a, b])`, `@@unique([a, b])`, `@unique` on a
single column, a new scalar field with its Prisma type) and the model it belongs in. The models
are read from the schema only to find a table's model name and its columns' field names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mend_core.dialects.prisma_types import prisma_default, prisma_type
from mend_core.hotfix.grouping import DriftItem
from mend_core.schema.model import Column, Index, IndexColumn, Schema

_MODEL = re.compile(r"^\s*model\s+(\w+)\s*\{(.*?)^\s*\}", re.M | re.S)
_TABLE_MAP = re.compile(r"@@map\(\s*(?:name:\s*)?\"([^\"]+)\"")
_FIELD = re.compile(r"^\s*(\w+)\s+\w+[\[\]?]*(.*)$")
_FIELD_MAP = re.compile(r"@map\(\s*(?:name:\s*)?\"([^\"]+)\"")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

UNDO_WARNING = (
    "Add it to schema.prisma: otherwise the next `prisma migrate dev` generates a migration "
    "that undoes this hotfix."
)


@dataclass(frozen=True)
class Model:
    """A model of schema.prisma: its name, and its fields by column name."""

    name: str
    table: str
    fields: dict[str, str] = field(default_factory=dict)  # column -> field

    def field_for(self, column: str) -> str:
        return self.fields.get(column, column)


@dataclass(frozen=True)
class SchemaHint:
    """What to add to schema.prisma for one item; `line` is None when there is no common form."""

    item: str  # the item's label
    model: str | None
    line: str | None
    placement: str  # "in model `User`", "as a field of model `User`"
    note: str = ""

    def describe(self) -> str:
        if self.line is None:
            return f"{self.item}: {self.note}"
        return f"{self.placement}: {self.line}" + (f"  ({self.note})" if self.note else "")


def read_models(paths: Sequence[Path]) -> dict[str, Model]:
    """The models of the schema files, by table name; unreadable files give none."""
    models: dict[str, Model] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for match in _MODEL.finditer(text):
            name, body = match.group(1), match.group(2)
            mapped = _TABLE_MAP.search(body)
            table = mapped.group(1) if mapped else name
            fields: dict[str, str] = {}
            for line in body.splitlines():
                found = _FIELD.match(line.split("//", 1)[0])
                if found is None or line.strip().startswith("@@"):
                    continue
                column = _FIELD_MAP.search(found.group(2))
                fields[column.group(1) if column else found.group(1)] = found.group(1)
            models[table] = Model(name, table, fields)
    return models


def schema_hints(
    items: Sequence[DriftItem], live: Schema, models: dict[str, Model]
) -> tuple[SchemaHint, ...]:
    """One hint per item, in item order."""
    return tuple(_hint(item, live, models) for item in items)


def _hint(item: DriftItem, live: Schema, models: dict[str, Model]) -> SchemaHint:
    table = item.table or (item.name if item.kind == "table" else None)
    model = models.get(table) if table else None
    model_name = model.name if model else table
    model = model or Model(model_name or "", table or "")
    by_hand = SchemaHint(
        item.label,
        model_name,
        None,
        "",
        "no schema.prisma line for this kind of change: update the schema by hand if Prisma "
        "manages it, or the next `prisma migrate dev` may undo it.",
    )
    current = live.table(table) if table else None
    if item.change != "added" or current is None or item.kind not in ("index", "unique", "column"):
        return by_hand
    inside = f"in model `{model_name}`"
    if item.kind == "column":
        column = current.column(item.name)
        if column is None:
            return by_hand
        return SchemaHint(
            item.label, model_name, _field_line(column, live, model), f"a new field {inside}"
        )
    if item.kind == "index":
        index = next((i for i in current.indexes if i.name == item.name), None)
        if index is None:
            return by_hand
        if index.where or any(c.is_expression for c in index.columns):
            return SchemaHint(
                item.label,
                model_name,
                None,
                "",
                "a partial or expression index has no schema.prisma form: keep it out of "
                "Prisma's reach (Prisma leaves such indexes alone only if they stay in a "
                "migration).",
            )
        if index.include or any(c.collation or c.nulls for c in index.columns):
            return SchemaHint(
                item.label,
                model_name,
                None,
                "",
                "an index with INCLUDE columns, a collation or a NULLS order has no "
                "schema.prisma form: keep it out of Prisma's reach (Prisma leaves such indexes "
                "alone only if they stay in a migration).",
            )
        return _index_hint(item, index, model, inside)
    unique = next((u for u in current.uniques if (u.name or "") == item.name), None)
    if unique is None:
        return by_hand
    columns = tuple(model.field_for(c) for c in unique.columns)
    return _unique_hint(item, model, columns, unique.name, inside)


def _index_hint(item: DriftItem, index: Index, model: Model, inside: str) -> SchemaHint:
    fields = tuple(_index_field(model, c) for c in index.columns)
    if index.unique:
        return _unique_hint(item, model, fields, index.name, inside)
    default = f"{model.table}_{'_'.join(c.expression for c in index.columns)}_idx"
    mapped = "" if index.name == default else f', map: "{index.name}"'
    kind = _INDEX_TYPES.get((index.method or "").lower())
    typed = f", type: {kind}" if kind else ""
    line = f"@@index([{', '.join(fields)}]{mapped}{typed})"
    return SchemaHint(item.label, model.name, line, inside)


# PostgreSQL access methods as schema.prisma names them (`type:`); btree is the default.
_INDEX_TYPES = {"hash": "Hash", "gin": "Gin", "gist": "Gist", "spgist": "SpGist", "brin": "Brin"}


def _index_field(model: Model, column: IndexColumn) -> str:
    """A field of `@@index([...])`: its sort order and operator class as Prisma writes them."""
    arguments = []
    if column.descending:
        arguments.append("sort: Desc")
    if column.opclass:
        arguments.append(f'ops: raw("{column.opclass}")')
    field = model.field_for(column.expression)
    return f"{field}({', '.join(arguments)})" if arguments else field


def _unique_hint(
    item: DriftItem, model: Model, fields: tuple[str, ...], name: str | None, inside: str
) -> SchemaHint:
    columns = [f.split("(", 1)[0] for f in fields]
    reverse = {v: k for k, v in model.fields.items()}
    default = f"{model.table}_{'_'.join(reverse.get(c, c) for c in columns)}_key"
    if len(fields) == 1:
        mapped = "" if name in (None, default) else f'(map: "{name}")'
        return SchemaHint(
            item.label,
            model.name,
            f"@unique{mapped}",
            f"on the field `{columns[0]}` of model `{model.name}`",
        )
    mapped = "" if name in (None, default) else f', map: "{name}"'
    return SchemaHint(item.label, model.name, f"@@unique([{', '.join(fields)}]{mapped})", inside)


def _field_line(column: Column, live: Schema, model: Model) -> str:
    scalar, native = prisma_type(live.dialect, column, {e.name for e in live.enums})
    optional = "?" if column.nullable and not scalar.endswith("[]") else ""
    attributes = []
    default = prisma_default(live.dialect, column, scalar)
    if default:
        attributes.append(f"@default({default})")
    name = column.name
    if not _IDENTIFIER.match(name):
        name = re.sub(r"\W+", "_", name).strip("_") or "field"
        attributes.append(f'@map("{column.name}")')
    if native:
        attributes.append(native)
    return " ".join([f"{name} {scalar}{optional}", *attributes])
