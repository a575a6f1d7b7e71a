"""Read a Prisma 7 config file (`prisma.config.ts` and its siblings) without running Node.

A config is TypeScript, but the fields mend needs (`schema`, `migrations.path`, `datasource.url`,
`datasource.shadowDatabaseUrl`) are written in a small subset: string literals, `env('X')`,
`process.env.X ?? ...` chains and `path.join(...)`. The whole file is tokenized, so that anything
else (functions, arrays, types, regular expressions) can be stepped over; object literals are
parsed; a field written outside the subset becomes an `Unsupported` value, which is an error only
when mend evaluates it (with `--url`, the config's url is never needed).
"""

from __future__ import annotations

import os.path
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mend_core.errors import M1005, M1010, MendError

# The command-line option that makes each field unnecessary, for hints.
FIELD_OPTIONS = {
    "schema": "--schema",
    "migrations.path": "--migrations-dir",
    "datasource.url": "--url",
    "datasource.shadowDatabaseUrl": "--shadow-url",
}

_SUBSET = (
    "mend reads the config without running Node, so it understands string literals, "
    "env('NAME'), process.env.NAME (with ?? and ||) and path.join(...)"
)


# --- What a field is written as ------------------------------------------------------------


@dataclass(frozen=True)
class Str:
    """A string literal (or a template literal without `${}`)."""

    value: str = field(repr=False)
    line: int


@dataclass(frozen=True)
class Undefined:
    """`undefined` or `null`: the field is not set."""

    line: int


@dataclass(frozen=True)
class EnvCall:
    """`env('NAME')` from prisma/config: throws when the variable is unset or empty."""

    name: str
    line: int


@dataclass(frozen=True)
class ProcessEnv:
    """`process.env.NAME`: undefined when unset."""

    name: str
    line: int


@dataclass(frozen=True)
class Fallback:
    """`left ?? right` (right when left is undefined) or `left || right` (when left is falsy)."""

    left: Expr
    right: Expr
    operator: str
    line: int


@dataclass(frozen=True)
class PathJoin:
    """`path.join(...)` or `join(...)` from Node's path module."""

    parts: tuple[Expr, ...]
    line: int


@dataclass(frozen=True)
class ConfigDir:
    """`__dirname` or `import.meta.dirname`: the config file's folder."""

    line: int


@dataclass(frozen=True)
class Obj:
    """An object literal. Entries without a key are spreads or computed keys, which may set any
    key."""

    entries: tuple[tuple[str | None, Expr], ...]
    line: int

    def get(self, key: str) -> Expr | None:
        """The key's value; a spread or computed key after it (or without it) makes it unknown."""
        found: Expr | None = None
        for entry_key, value in self.entries:
            if entry_key == key or entry_key is None:
                found = value
        return found


@dataclass(frozen=True)
class Unsupported:
    """Something mend does not evaluate; `reason` completes "mend could not evaluate X: ..."."""

    reason: str
    line: int


Expr = Str | Undefined | EnvCall | ProcessEnv | Fallback | PathJoin | ConfigDir | Obj | Unsupported


# --- Evaluating a field ----------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluated:
    """A field's value, the environment variable it came from, and the variables that were read
    but not set (to explain an empty result)."""

    value: str | None = field(repr=False)
    variable: str | None = None
    unset: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConfigValue:
    """One field of the config as written; evaluated on demand against an environment."""

    name: str  # the field, dotted: "datasource.url"
    where: str  # the config file as shown to the operator: "prisma.config.ts"
    folder: Path  # the config file's folder, which relative paths and `file:` URLs start from
    line: int
    expr: Expr = field(repr=False)
    reads_dotenv: bool = False  # the config imports 'dotenv/config', so .env is loaded

    def evaluate(self, environ: Mapping[str, str], dotenv: Mapping[str, str]) -> Evaluated:
        """The value; `dotenv` is consulted only when the config loads .env (as Node would)."""
        return _evaluate(self.expr, self, environ, dotenv)

    def evaluate_path(self, environ: Mapping[str, str], dotenv: Mapping[str, str]) -> Path | None:
        """The value as a path, relative to the config's folder as Prisma resolves it."""
        value = self.evaluate(environ, dotenv).value
        if not value:
            return None
        return Path(os.path.normpath(self.folder / value))


def _evaluate(
    node: Expr, value: ConfigValue, environ: Mapping[str, str], dotenv: Mapping[str, str]
) -> Evaluated:
    if isinstance(node, Str):
        return Evaluated(node.value)
    if isinstance(node, Undefined):
        return Evaluated(None)
    if isinstance(node, ConfigDir):
        return Evaluated(str(value.folder))
    if isinstance(node, EnvCall | ProcessEnv):
        found = _lookup(node.name, value, environ, dotenv)
        if isinstance(node, EnvCall) and not found:
            raise _unset(node, value, dotenv)
        return Evaluated(found, node.name, () if found is not None else (node.name,))
    if isinstance(node, Fallback):
        left = _evaluate(node.left, value, environ, dotenv)
        falls_through = left.value is None if node.operator == "??" else not left.value
        if not falls_through:
            return left
        right = _evaluate(node.right, value, environ, dotenv)
        return Evaluated(right.value, right.variable, left.unset + right.unset)
    if isinstance(node, PathJoin):
        return Evaluated(_join(node, value, environ, dotenv))
    if isinstance(node, Obj):
        raise _not_evaluated(value, Unsupported("it is an object, not a string", node.line))
    raise _not_evaluated(value, node)


def _lookup(
    name: str, value: ConfigValue, environ: Mapping[str, str], dotenv: Mapping[str, str]
) -> str | None:
    # dotenv never overrides a variable already in the environment, even an empty one.
    if name in environ:
        return environ[name]
    return dotenv.get(name) if value.reads_dotenv else None


def _join(
    node: PathJoin, value: ConfigValue, environ: Mapping[str, str], dotenv: Mapping[str, str]
) -> str:
    parts: list[str] = []
    for part in node.parts:
        evaluated = _evaluate(part, value, environ, dotenv).value
        if evaluated is None:
            # Node throws a TypeError for an undefined argument to path.join.
            raise _not_evaluated(
                value, Unsupported("one of path.join()'s arguments is undefined", node.line)
            )
        parts.append(evaluated)
    # Node's path.join: concatenate with `/` (an absolute part does not restart), normalise.
    joined = "/".join(part for part in parts if part)
    return posixpath.normpath(joined) if joined else "."


def _not_evaluated(value: ConfigValue, node: Unsupported) -> MendError:
    option = FIELD_OPTIONS.get(value.name, "--url")
    return MendError(
        M1010,
        f"mend could not evaluate `{value.name}` in {value.where} (line {node.line}): "
        f"{node.reason}. {_SUBSET}.",
        f"Pass {option} so that mend does not need this field.",
    )


def _unset(node: EnvCall, value: ConfigValue, dotenv: Mapping[str, str]) -> MendError:
    option = FIELD_OPTIONS.get(value.name, "--url")
    if value.reads_dotenv:
        where = "in the environment or in .env"
    elif node.name in dotenv:
        where = (
            f"in the environment (.env sets it, but {value.where} does not load .env: "
            "Prisma 7 reads it only after `import 'dotenv/config'`)"
        )
    else:
        where = "in the environment"
    return MendError(
        M1005,
        f"{value.where} (line {node.line}, {value.name}) reads the environment variable "
        f"`{node.name}` with env(), which is not set (or is empty) {where}. Prisma 7 stops "
        "on this too (PrismaConfigEnvError).",
        f"Set {node.name}, or pass {option}.",
    )


# --- The config file -------------------------------------------------------------------------


@dataclass(frozen=True)
class PrismaConfig:
    """The fields of a Prisma config that mend uses, as written (None: the config omits it)."""

    path: Path
    where: str
    reads_dotenv: bool
    schema: ConfigValue | None
    migrations_path: ConfigValue | None
    url: ConfigValue | None
    shadow_database_url: ConfigValue | None

    @property
    def folder(self) -> Path:
        return self.path.parent


def parse_config(text: str, path: Path, where: str | None = None) -> PrismaConfig:
    """Parse a config's text; never raises for its syntax (fields become `Unsupported`)."""
    where = where or path.name
    try:
        parser = _Parser(_Lexer(text).tokens())
        root = parser.config_object()
        reads_dotenv = parser.reads_dotenv
    except _Problem as problem:
        root = Unsupported(f"the file cannot be read: {problem.reason}", problem.line)
        reads_dotenv = False

    def value(name: str) -> ConfigValue | None:
        node = _field(root, name.split("."))
        if node is None:
            return None
        return ConfigValue(name, where, path.parent, node.line, node, reads_dotenv)

    return PrismaConfig(
        path=path,
        where=where,
        reads_dotenv=reads_dotenv,
        schema=value("schema"),
        migrations_path=value("migrations.path"),
        url=value("datasource.url"),
        shadow_database_url=value("datasource.shadowDatabaseUrl"),
    )


def _field(root: Expr, keys: list[str]) -> Expr | None:
    node: Expr | None = root
    for depth, key in enumerate(keys):
        if node is None or isinstance(node, Undefined | Unsupported):
            return node
        if not isinstance(node, Obj):
            above = ".".join(keys[:depth]) or "the default export"
            return Unsupported(f"`{above}` is not an object", node.line)
        node = node.get(key)
    return node


# --- Tokens ----------------------------------------------------------------------------------


class _Problem(Exception):
    """The text cannot be tokenized or an object cannot be delimited."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class _NotSubset(_Problem):
    """A value outside the subset mend evaluates (it can still be stepped over)."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # ident, punct, string, template, number, regex, eof
    text: str  # as written for ident and punct; the decoded value for string and template
    line: int
    substitution: bool = False  # a template literal containing ${...}


# Operators of two or three characters, longest first (`...` is not three `.`).
_PUNCTUATOR = re.compile(
    r"\.\.\.|[=!]==|\*\*=|\?\?=|&&=|\|\|=|>>>|<<=|>>="
    r"|=>|[=!<>]=|&&|\|\||\?\?|\?\.|\+\+|--|[-+*/%&|^]=|<<|>>|\*\*"
)
# After these, a `/` starts a regular expression rather than a division.
_BEFORE_EXPRESSION = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case"}
    | {"do", "else", "yield", "await"}
)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def tokens(self) -> list[_Token]:
        if self.text.startswith("#!"):
            end = self.text.find("\n")
            self.pos = len(self.text) if end < 0 else end
        out: list[_Token] = []
        self._scan(out, in_substitution=False)
        out.append(_Token("eof", "", self.line))
        return out

    def _scan(self, out: list[_Token], *, in_substitution: bool) -> None:
        """Tokens up to the end, or up to the `}` closing a template's `${`."""
        depth = 0
        start_line = self.line
        while True:
            self._skip_blank()
            if self.pos >= len(self.text):
                if in_substitution:
                    raise _Problem("a `${` in a template literal is never closed", start_line)
                return
            if in_substitution and self.text[self.pos] == "}" and depth == 0:
                self.pos += 1
                return
            token = self._token(out)
            if token.kind == "punct" and token.text == "{":
                depth += 1
            elif token.kind == "punct" and token.text == "}":
                depth -= 1
            out.append(token)

    def _skip_blank(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char.isspace() or char == "\ufeff":
                self.line += char == "\n"
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos + 2)
                if end < 0:
                    raise _Problem("a /* comment is never closed", self.line)
                self.line += text.count("\n", self.pos, end)
                self.pos = end + 2
            else:
                return

    def _token(self, out: list[_Token]) -> _Token:
        char = self.text[self.pos]
        following = self.text[self.pos + 1 : self.pos + 2]
        if char in "'\"":
            return self._string(char)
        if char == "`":
            return self._template()
        if char.isdigit() or (char == "." and following.isdigit()):
            return self._word("number")
        if char == "/" and _regex_allowed(out):
            return self._regex()
        if char.isalpha() or char in "_$" or ord(char) > 127:
            return self._word("ident")
        match = _PUNCTUATOR.match(self.text, self.pos)
        punctuator = match.group() if match else char
        self.pos += len(punctuator)
        return _Token("punct", punctuator, self.line)

    def _word(self, kind: str) -> _Token:
        start = self.pos
        text = self.text
        while self.pos < len(text) and (
            text[self.pos].isalnum() or text[self.pos] in "_$" or ord(text[self.pos]) > 127
        ):
            self.pos += 1
            # A number's fraction (1.5) is part of it; `.` after a name is member access.
            if kind == "number" and text[self.pos : self.pos + 1] == ".":
                self.pos += 1
        return _Token(kind, text[start : self.pos], self.line)

    def _string(self, quote: str) -> _Token:
        line = self.line
        self.pos += 1
        chars: list[str] = []
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] == "\n":
                raise _Problem(f"a string starting on line {line} is never closed", line)
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return _Token("string", "".join(chars), line)
            if char == "\\":
                chars.append(self._escape())
            else:
                chars.append(char)
                self.pos += 1

    def _template(self) -> _Token:
        line = self.line
        self.pos += 1
        chars: list[str] = []
        substitution = False
        while True:
            if self.pos >= len(self.text):
                raise _Problem(f"a template literal starting on line {line} is never closed", line)
            char = self.text[self.pos]
            if char == "`":
                self.pos += 1
                return _Token("template", "".join(chars), line, substitution)
            if char == "\\":
                chars.append(self._escape())
            elif self.text.startswith("${", self.pos):
                substitution = True
                self.pos += 2
                self._scan([], in_substitution=True)
            else:
                self.line += char == "\n"
                chars.append(char)
                self.pos += 1

    def _escape(self) -> str:
        """Decode the escape sequence at `pos` (which holds the backslash)."""
        text = self.text
        char = text[self.pos + 1 : self.pos + 2]
        self.pos += 2
        if char in ("\n", "\r"):  # a line continuation
            if char == "\r" and text[self.pos : self.pos + 1] == "\n":
                self.pos += 1
            self.line += 1
            return ""
        if char in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[char]
        if char == "x":
            return self._code_point(text[self.pos : self.pos + 2], 2)
        if char == "u":
            if text[self.pos : self.pos + 1] == "{":
                end = text.find("}", self.pos)
                if end < 0:
                    raise _Problem("a \\u{...} escape is never closed", self.line)
                digits = text[self.pos + 1 : end]
                self.pos = end + 1
                return self._code_point(digits, 0)
            return self._code_point(text[self.pos : self.pos + 4], 4)
        return char

    def _code_point(self, digits: str, consumed: int) -> str:
        try:
            value = chr(int(digits, 16))
        except ValueError:
            raise _Problem(f"an invalid escape `{digits}`", self.line) from None
        self.pos += consumed
        return value

    def _regex(self) -> _Token:
        line = self.line
        self.pos += 1
        in_class = False
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] == "\n":
                raise _Problem("a regular expression is never closed", line)
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                self.pos += 1
            elif char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif char == "/" and not in_class:
                while self.pos < len(self.text) and self.text[self.pos].isalpha():
                    self.pos += 1
                return _Token("regex", "", line)


def _regex_allowed(previous_tokens: list[_Token]) -> bool:
    if not previous_tokens:
        return True
    last = previous_tokens[-1]
    if last.kind == "ident":
        return last.text in _BEFORE_EXPRESSION
    if last.kind == "punct":
        return last.text not in (")", "]", "}")
    return False


# --- Parsing ---------------------------------------------------------------------------------

_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")

# What an imported (or required) name means, by module and by the name it is imported as
# ("*" and "default" for the module itself).
_MODULES: dict[str, dict[str, str]] = {
    "path": {"*": "path", "default": "path", "join": "join"},
    "prisma/config": {"env": "env", "defineConfig": "defineConfig"},
    "dotenv": {"*": "dotenv", "default": "dotenv", "config": "dotenv.config"},
}
_MODULES["node:path"] = _MODULES["path"]
_MODULES["@prisma/config"] = _MODULES["prisma/config"]
_DOTENV_SIDE_EFFECT = frozenset({"dotenv/config", "dotenv/config.js"})
_MAX_CONST_DEPTH = 8


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.bindings: dict[str, str] = {}  # local name -> path | join | env | defineConfig | ...
        self.consts: dict[str, int] = {}  # top-level `const NAME =` -> index of the initializer
        self.reads_dotenv = False
        self.export_at: int | None = None
        self._const_depth = 0
        self._scan_module()

    # Token helpers.

    def _peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        token = self._peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def _is(self, *texts: str, offset: int = 0) -> bool:
        token = self._peek(offset)
        return token.kind in ("punct", "ident") and token.text in texts

    def _expect(self, text: str) -> None:
        token = self._peek()
        if not self._is(text):
            raise _Problem(f"expected `{text}`, found `{token.text or token.kind}`", token.line)
        self._next()

    # The module: imports, requires, top-level consts and the default export.

    def _scan_module(self) -> None:
        depth = 0
        while self._peek().kind != "eof":
            token = self._peek()
            if token.kind == "punct" and token.text in _OPEN:
                depth += 1
            elif token.kind == "punct" and token.text in _CLOSE:
                depth = max(depth - 1, 0)
            elif token.kind == "ident" and not self._after_member_access():
                self._note_dotenv_call()
                if depth == 0 and self._statement():
                    continue
            self._next()

    def _after_member_access(self) -> bool:
        previous = self.tokens[self.pos - 1] if self.pos > 0 else None
        return previous is not None and previous.kind == "punct" and previous.text in (".", "?.")

    def _note_dotenv_call(self) -> None:
        meaning = self.bindings.get(self._peek().text)
        calls_config = self._is("(", offset=1) if meaning == "dotenv.config" else False
        if meaning == "dotenv":
            calls_config = self._is(".", offset=1) and self._is("config", offset=2)
        self.reads_dotenv = self.reads_dotenv or calls_config

    def _statement(self) -> bool:
        """Read a top-level statement's head; True when tokens were consumed."""
        word = self._peek().text
        if word == "import" and not self._is("(", ".", offset=1):
            self._import()
            return True
        previous = self.tokens[self.pos - 1].text if self.pos > 0 else ""
        if word in ("const", "let", "var") and previous != "as":  # not `{...} as const`
            return self._declaration()
        if word == "export" and self._is("default", offset=1):
            self.pos += 2
            self.export_at = self.pos
            return True
        if (
            word in ("module", "exports")
            and self._is(".", offset=1)
            and self._is("exports" if word == "module" else "default", offset=2)
            and self._is("=", offset=3)
        ):
            self.pos += 4
            self.export_at = self.pos
            return True
        if word == "require":
            module = self._required_module(0)
            if module in _DOTENV_SIDE_EFFECT or (
                module == "dotenv" and self._is(".", offset=4) and self._is("config", offset=5)
            ):
                self.reads_dotenv = True
        return False

    def _required_module(self, offset: int) -> str | None:
        """The module of `require('m')` at `offset`, or None."""
        if (
            self._is("require", offset=offset)
            and self._is("(", offset=offset + 1)
            and self._peek(offset + 2).kind == "string"
            and self._is(")", offset=offset + 3)
        ):
            return self._peek(offset + 2).text
        return None

    def _import(self) -> None:
        self._next()  # import
        if self._peek().kind == "string":
            if self._next().text in _DOTENV_SIDE_EFFECT:
                self.reads_dotenv = True
            return
        names: list[tuple[str, str]] = []  # (imported, local)
        type_only = self._is("type") and not self._is(",", "from", offset=1)
        while not self._is("from"):
            token = self._peek()
            if token.kind == "eof" or self._is(";"):
                return
            if self._is("*") and self._is("as", offset=1):
                names.append(("*", self._peek(2).text))
                self.pos += 3
            elif self._is("{"):
                names.extend(self._named_imports())
            elif token.kind == "ident" and token.text != "type":
                names.append(("default", token.text))
                self._next()
            else:
                self._next()
        self._next()  # from
        module = self._next()
        if module.kind == "string" and not type_only:
            for imported, local in names:
                self._bind(module.text, imported, local)

    def _named_imports(self) -> list[tuple[str, str]]:
        """`{ a, b as c, type d }` (also a destructuring `{ a, b: c }`)."""
        self._next()  # {
        names: list[tuple[str, str]] = []
        while not self._is("}"):
            if self._peek().kind == "eof":
                raise _Problem("an import list is never closed", self._peek().line)
            if self._is("type") and self._peek(1).kind == "ident" and not self._is("as", offset=1):
                self._next()
            imported = self._next().text
            local = imported
            if self._is("as", ":"):
                self._next()
                local = self._next().text
            names.append((imported, local))
            while not self._is(",", "}") and self._peek().kind != "eof":
                self._next()  # a default value in a destructuring
            if self._is(","):
                self._next()
        self._next()  # }
        return names

    def _bind(self, module: str, imported: str, local: str) -> None:
        meaning = _MODULES.get(module, {}).get(imported)
        if meaning:
            self.bindings[local] = meaning

    def _declaration(self) -> bool:
        self._next()  # const / let / var
        if self._is("{"):
            names = self._named_imports()
            if self._is("="):
                self._next()
                module = self._required_module(0)
                if module is not None:
                    for imported, local in names:
                        self._bind(module, imported, local)
            return True
        name = self._peek()
        if name.kind != "ident":
            return True
        self._next()
        if self._is(":"):
            self._skip_until_assignment()
        if not self._is("="):
            return True
        self._next()
        module = self._required_module(0)
        if module is not None:
            self._bind(module, "*", name.text)
            if module == "dotenv" and self._is(".", offset=4) and self._is("config", offset=5):
                self.reads_dotenv = True
        else:
            self.consts[name.text] = self.pos
        return True

    def _skip_until_assignment(self) -> None:
        """Step over a type annotation (`: PrismaConfig`) up to its `=`."""
        depth = 0
        while self._peek().kind != "eof":
            if depth == 0 and self._is("=", ";"):
                return
            if self._is("(", "[", "{", "<"):
                depth += 1
            elif self._is(")", "]", "}", ">"):
                depth -= 1
            self._next()

    # The default export and the values in it.

    def config_object(self) -> Expr:
        if self.export_at is None:
            return Unsupported("the file has no `export default` (or `module.exports =`)", 1)
        self.pos = self.export_at
        try:
            return self._expression(top=True)
        except _Problem as problem:
            return Unsupported(
                f"the default export is not readable: {problem.reason}", problem.line
            )

    def _expression(self, *, top: bool) -> Expr:
        node = self._operand(top=top)
        while self._is("??", "||"):
            operator = self._next().text
            node = Fallback(node, self._operand(top=False), operator, node.line)
        return node

    def _operand(self, *, top: bool) -> Expr:
        node = self._primary(top=top)
        while True:
            if self._is("!"):  # TypeScript's non-null assertion
                self._next()
            elif self._is("as", "satisfies"):
                self._next()
                self._skip_type()
            else:
                return node

    def _skip_type(self) -> None:
        while True:
            token = self._peek()
            if token.kind == "ident":
                self._next()
            elif self._is("(", "[", "{"):
                self._skip_balanced()
            else:
                raise _NotSubset(f"it has a type mend cannot read (`{token.text}`)", token.line)
            if self._is("<"):
                self._skip_angles()
            while self._is("[") and self._is("]", offset=1):
                self.pos += 2
            if not self._is(".", "|", "&"):
                return
            self._next()

    def _primary(self, *, top: bool) -> Expr:
        token = self._peek()
        if token.kind == "string":
            self._next()
            return Str(token.text, token.line)
        if token.kind == "template":
            if token.substitution:
                raise _NotSubset("it is a template literal with `${...}`", token.line)
            self._next()
            return Str(token.text, token.line)
        if token.kind == "number":
            raise _NotSubset("it is a number, not a string", token.line)
        if token.kind == "regex":
            raise _NotSubset("it is a regular expression", token.line)
        if self._is("{"):
            return self._object()
        if self._is("("):
            if self._arrow_after_parentheses():
                raise _NotSubset("it is a function", token.line)
            self._next()
            node = self._expression(top=top)
            self._expect(")")
            return node
        if self._is("["):
            raise _NotSubset("it is an array", token.line)
        if self._is("<"):
            raise _NotSubset("it is a function", token.line)
        if token.kind == "ident":
            return self._identifier(top=top)
        raise _NotSubset(f"it starts with `{token.text}`, which mend does not evaluate", token.line)

    def _identifier(self, *, top: bool) -> Expr:
        token = self._peek()
        name = token.text
        if self._is("=>", offset=1) or name in ("function", "async", "class"):
            raise _NotSubset("it is a function", token.line)
        if name in ("undefined", "null"):
            self._next()
            return Undefined(token.line)
        if name in ("true", "false"):
            raise _NotSubset(f"it is `{name}`, not a string", token.line)
        if name == "new":
            raise _NotSubset(f"it is `new {self._peek(1).text}(...)`", token.line)
        if name == "__dirname":
            self._next()
            return ConfigDir(token.line)
        if name == "import" and self._is(".", offset=1) and self._is("meta", offset=2):
            if self._is(".", offset=3) and self._is("dirname", offset=4):
                self.pos += 5
                return ConfigDir(token.line)
            raise _NotSubset("it reads `import.meta`, which mend does not evaluate", token.line)
        if name == "process" and self._is(".", offset=1) and self._is("env", offset=2):
            return self._process_env()
        parts = [self._next().text]
        while self._is(".", "?.") and self._peek(1).kind == "ident":
            parts.append(self._peek(1).text)
            self.pos += 2
        dotted = ".".join(parts)
        if self._is("(") or (self._is("<") and self._type_arguments_then_call()):
            return self._call(parts, token.line, top=top)
        if top and len(parts) == 1 and name in self.consts:
            return self._const(name)
        raise _NotSubset(f"it is the variable `{dotted}`", token.line)

    def _process_env(self) -> Expr:
        line = self._peek().line
        self.pos += 3  # process . env
        if self._is(".", "?.") and self._peek(1).kind == "ident":
            name = self._peek(1).text
            self.pos += 2
        elif self._is("[") and self._peek(1).kind == "string" and self._is("]", offset=2):
            name = self._peek(1).text
            self.pos += 3
        else:
            raise _NotSubset("it reads `process.env` without a variable name", line)
        return ProcessEnv(name, line)

    def _type_arguments_then_call(self) -> bool:
        """Step over `<T>` in `defineConfig<T>(...)`; False (and nothing consumed) otherwise."""
        resume = self.pos
        try:
            self._skip_angles()
        except _Problem:
            self.pos = resume
            return False
        if self._is("("):
            return True
        self.pos = resume
        return False

    def _meaning(self, parts: list[str]) -> str | None:
        if len(parts) == 1:
            meaning = self.bindings.get(parts[0])
            if meaning in ("env", "join", "defineConfig"):
                return meaning
            return "defineConfig" if parts[0] == "defineConfig" else None
        if len(parts) == 2 and self.bindings.get(parts[0]) == "path" and parts[1] == "join":
            return "join"
        return None

    def _call(self, parts: list[str], line: int, *, top: bool) -> Expr:
        dotted = ".".join(parts)
        meaning = self._meaning(parts)
        if meaning is None:
            if dotted == "env":
                raise _NotSubset("it calls `env()` without importing it from 'prisma/config'", line)
            if len(parts) == 2 and parts[1] == "join":
                raise _NotSubset(
                    f"it calls `{dotted}()` without importing `{parts[0]}` from 'node:path'", line
                )
            raise _NotSubset(f"it calls `{dotted}()`, a function mend does not know", line)
        arguments = self._arguments(top=top and meaning == "defineConfig")
        if meaning == "join":
            return PathJoin(tuple(arguments), line)
        if len(arguments) != 1:
            raise _NotSubset(f"it calls `{dotted}()` with {len(arguments)} arguments", line)
        if meaning == "defineConfig":
            return arguments[0]
        argument = arguments[0]
        if not isinstance(argument, Str):
            raise _NotSubset("it calls `env()` with something other than a string literal", line)
        return EnvCall(argument.value, line)

    def _arguments(self, *, top: bool) -> list[Expr]:
        self._expect("(")
        arguments: list[Expr] = []
        while not self._is(")"):
            arguments.append(self._expression(top=top))
            if not self._is(","):
                break
            self._next()
        self._expect(")")
        return arguments

    def _const(self, name: str) -> Expr:
        if self._const_depth >= _MAX_CONST_DEPTH:
            raise _NotSubset(f"`{name}` refers to itself", self._peek().line)
        resume = self.pos
        self.pos = self.consts[name]
        self._const_depth += 1
        try:
            return self._expression(top=True)
        finally:
            self._const_depth -= 1
            self.pos = resume

    def _object(self) -> Obj:
        opening = self._next()  # {
        entries: list[tuple[str | None, Expr]] = []
        while not self._is("}"):
            token = self._peek()
            if token.kind == "eof":
                raise _Problem(
                    f"the object opened on line {opening.line} is never closed", token.line
                )
            entries.append(self._property())
            if self._is(","):
                self._next()
            elif not self._is("}"):
                found = self._peek()
                raise _Problem(
                    f"expected `,` or `}}` in an object, found `{found.text or found.kind}`",
                    found.line,
                )
        self._next()  # }
        return Obj(tuple(entries), opening.line)

    def _property(self) -> tuple[str | None, Expr]:
        token = self._peek()
        if self._is("..."):
            self._next()
            spread = self._peek().text if self._peek().kind == "ident" else ""
            self._skip_value()
            return None, Unsupported(
                f"the object it is in has a spread (`...{spread}`) that may set it", token.line
            )
        if self._is("*") or (
            self._is("get", "set", "async", "static")
            and (self._peek(1).kind in ("ident", "string", "number") or self._is("[", offset=1))
        ):
            self._next()  # a method modifier
            key = self._key()
            self._skip_method()
            return key, Unsupported("it is a method", token.line)
        key = self._key()
        if key is None:
            if self._is("(", "<"):
                self._skip_method()
            else:
                self._expect(":")
                self._skip_value()
            return None, Unsupported(
                "the object it is in has a computed key (`[...]`) that may set it", token.line
            )
        if self._is(":"):
            self._next()
            return key, self._value()
        if self._is("(", "<"):
            self._skip_method()
            return key, Unsupported("it is a method", token.line)
        if self._is(",", "}"):
            return key, Unsupported(f"it is the variable `{key}`", token.line)
        found = self._peek()
        raise _Problem(f"unexpected `{found.text or found.kind}` after `{key}`", found.line)

    def _key(self) -> str | None:
        token = self._peek()
        if token.kind in ("ident", "string", "number"):
            self._next()
            return token.text
        if self._is("["):
            self._skip_balanced()
            return None
        raise _Problem(f"unexpected `{token.text or token.kind}` in an object", token.line)

    def _value(self) -> Expr:
        """A property's value; outside the subset, stepped over and kept as `Unsupported`."""
        start = self.pos
        try:
            node = self._expression(top=False)
            if not self._is(",", "}"):
                token = self._peek()
                raise _NotSubset(
                    f"it is an expression with `{token.text or token.kind}`, which mend does "
                    "not evaluate",
                    token.line,
                )
            return node
        except _Problem as problem:
            self.pos = start
            self._skip_value()
            return Unsupported(problem.reason, problem.line)

    # Stepping over what is not read.

    def _skip_value(self) -> None:
        """Up to the `,` or closing bracket that ends a value."""
        start = self._peek().line
        depth = 0
        while True:
            token = self._peek()
            if token.kind == "eof":
                raise _Problem(f"the value on line {start} never ends", start)
            if token.kind == "punct":
                if token.text in _OPEN:
                    depth += 1
                elif token.text in _CLOSE:
                    if depth == 0:
                        return
                    depth -= 1
                elif token.text == "," and depth == 0:
                    return
            self._next()

    def _skip_balanced(self) -> None:
        """From an opening bracket past its closing one."""
        start = self._peek().line
        depth = 0
        while True:
            token = self._next()
            if token.kind == "eof":
                raise _Problem(f"a bracket opened on line {start} is never closed", start)
            if token.kind == "punct" and token.text in _OPEN:
                depth += 1
            elif token.kind == "punct" and token.text in _CLOSE:
                depth -= 1
                if depth == 0:
                    return

    def _skip_angles(self) -> None:
        start = self._peek().line
        depth = 0
        while True:
            token = self._next()
            if token.kind == "eof":
                raise _Problem(f"a `<` opened on line {start} is never closed", start)
            if token.kind != "punct":
                continue
            depth += token.text.count("<") if token.text in ("<", "<<") else 0
            depth -= token.text.count(">") if token.text in (">", ">>", ">>>") else 0
            if depth <= 0:
                return

    def _skip_method(self) -> None:
        """`<T>(params): Type { body }`."""
        if self._is("<"):
            self._skip_angles()
        self._skip_balanced()
        while not self._is("{"):
            if self._peek().kind == "eof":
                raise _Problem("a method has no body", self._peek().line)
            if self._is("(", "["):
                self._skip_balanced()
            else:
                self._next()
        self._skip_balanced()

    def _arrow_after_parentheses(self) -> bool:
        resume = self.pos
        try:
            self._skip_balanced()
            return self._is("=>", ":")
        except _Problem:
            return False
        finally:
            self.pos = resume
