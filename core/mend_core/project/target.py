"""Database URLs, Prisma's and SQLAlchemy's, parsed into one immutable `DatabaseTarget`."""

from __future__ import annotations

import os.path
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlsplit

from mend_core.dialects import Family, dialect_for, family_of_scheme
from mend_core.errors import P1013, MendError
from mend_core.output.redaction import mask_url

Dialect = Family  # a target's family, as Prisma names its provider

DEFAULT_CONNECT_TIMEOUT = 10.0
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
# `postgresql//user:pw@host/db`: a `.env` line that lost its colon.
_MISSING_COLON = re.compile(_SCHEME.pattern + "//")
_ENCODE_PASSWORD = "a special character in the password (#, /, ?, @, :) must be %-encoded"

_SUPPORTED = (
    "postgresql://, postgres://, mysql://, file:./dev.db, or a SQLAlchemy URL such as "
    "postgresql+psycopg://, mysql+pymysql://, sqlite:///dev.db"
)


@dataclass(frozen=True)
class DatabaseTarget:
    """Where to connect. The password is kept out of repr() and every rendering."""

    dialect: Dialect
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    schema: str | None = None
    path: Path | None = None  # SQLite file; None with `memory` means an in-memory database
    memory: bool = False
    socket: str | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    options: tuple[tuple[str, str], ...] = ()

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values to mask wherever they occur in free text. A password that is part of the
        user, host, database or schema name (`postgres` for user `postgres`) is left out: those
        names are shown anyway, and masking them would tell the reader the password. Where its
        position says it is a password (a URL, `password=`), it is always masked."""
        secret_options = tuple(v for k, v in self.options if "password" in k.lower())
        candidates = ((self.password,) if self.password else ()) + secret_options
        public = [v for v in (self.user, self.host, self.database, self.schema) if v]
        return tuple(s for s in candidates if not any(s in name for name in public))

    def option(self, key: str) -> str | None:
        for k, v in self.options:
            if k == key:
                return v
        return None

    def with_database(self, database: str) -> DatabaseTarget:
        return replace(self, database=database)

    def display(self) -> str:
        """A URL to show: the password masked, everything else as given."""
        if not dialect_for(self.dialect).has_server:
            return "sqlite::memory:" if self.memory else f"file:{self.path}"
        auth = ""
        if self.user is not None:
            auth = quote(self.user, safe="")
            if self.password:
                auth += ":****"
            auth += "@"
        host = self.host or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{self.port}" if self.port else ""
        query = f"?schema={self.schema}" if self.schema and self.schema != "public" else ""
        return f"{self.dialect}://{auth}{host}{port}/{self.database or ''}{query}"

    def label(self) -> str:
        """A short name for headers: dialect, host and database."""
        family = dialect_for(self.dialect)
        if not family.has_server:
            return f"sqlite {'(memory)' if self.memory else _shown_path(self.path)}"
        where = self.host or self.socket or "localhost"
        if self.port and self.port != family.default_port:
            where += f":{self.port}"
        name = self.database or ""
        if family.has_schemas and self.schema and self.schema != family.default_schema:
            name += f" (schema {self.schema})"
        return f"{self.dialect} {where}/{name}"


def _shown_path(path: Path | None) -> str:
    """Relative to the current folder when inside it: shorter, and the same on every machine."""
    if path is None:
        return ""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_url(url: str, *, base_dir: Path) -> DatabaseTarget:
    """Parse a Prisma or SQLAlchemy URL; relative SQLite paths resolve against `base_dir`.

    Error messages show the URL through `mask_url` and never quote a parser's exception: with an
    unencoded special character in the password, the parser's "port" or "host" is a piece of it.
    """
    url = url.strip()
    if not url:
        raise _invalid(url, "the URL is empty")
    scheme, sep, rest = url.partition(":")
    if _MISSING_COLON.match(url):
        raise _invalid(url, "a `:` is missing after the scheme (`scheme//` for `scheme://`)")
    if not sep or not _SCHEME.fullmatch(scheme):
        raise _invalid(url, "it does not start with a scheme such as postgresql://")
    base_scheme = scheme.lower().split("+", 1)[0]
    dialect = family_of_scheme(base_scheme)
    if dialect is None:
        if not rest.startswith("/"):
            # `user:password@host/db`: the "scheme" is the user name.
            raise _invalid(url, "it does not start with a scheme such as postgresql://")
        raise _invalid(url, f"the scheme `{scheme}` is not supported")
    if not dialect_for(dialect).has_server:
        return _parse_sqlite(url, base_scheme, base_dir)
    return _parse_server(url, dialect)


def _parse_sqlite(url: str, scheme: str, base_dir: Path) -> DatabaseTarget:
    if scheme == "file":
        # Prisma: `file:./dev.db`, `file:dev.db`, `file:/abs/dev.db`, optional `?params`.
        raw = url[len("file:") :]
        raw, _, query = raw.partition("?")
        if raw.startswith("//"):
            raw = raw[2:]
    else:
        # SQLAlchemy: `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite://` for memory.
        rest = url.split(":", 1)[1]
        if not rest.startswith("//"):
            raise _invalid(url, "a SQLAlchemy SQLite URL starts with sqlite:///")
        raw, _, query = rest[2:].partition("?")
        if raw.startswith("/"):
            raw = raw[1:]
    raw = unquote(raw)
    timeout = _timeout(dict(parse_qsl(query)), url)
    if raw in ("", ":memory:"):
        return DatabaseTarget(dialect="sqlite", memory=True, connect_timeout=timeout)
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    return DatabaseTarget(dialect="sqlite", path=Path(_normalise(path)), connect_timeout=timeout)


def _normalise(path: Path) -> str:
    return os.path.normpath(str(path))


def _parse_server(url: str, dialect: Dialect) -> DatabaseTarget:
    if not url.split(":", 1)[1].startswith("//"):
        raise _invalid(url, "it must look like scheme://user:password@host:port/database")
    parts, port, host = _split_server_url(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    socket = query.pop("host", None) or query.pop("socket", None)
    if not host and not socket:
        raise _invalid(url, "it names no host")
    database = unquote(parts.path.lstrip("/")) or None
    if database and "/" in database:
        raise _invalid(url, "the database name contains `/`")
    family = dialect_for(dialect)
    if family.url_requires_database and not database:
        raise _invalid(url, "it names no database (mysql://user@host:3306/DATABASE)")
    schema = query.pop("schema", None) if family.has_schemas else None
    if family.has_schemas:
        database = database or family.default_database
        schema = schema or family.default_schema
    timeout = _timeout(query, url)
    query.pop("connect_timeout", None)
    return DatabaseTarget(
        dialect=dialect,
        host=host,
        port=port or family.default_port,
        user=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        database=database,
        schema=schema,
        socket=socket,
        connect_timeout=timeout,
        options=tuple(sorted(query.items())),
    )


def _timeout(query: dict[str, str], url: str) -> float:
    raw = query.get("connect_timeout")
    if raw is None:
        return DEFAULT_CONNECT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        # Not quoted: with an unencoded `?` in the password, the query is a piece of it.
        raise _invalid(url, "connect_timeout is not a number of seconds") from None
    return value if value > 0 else DEFAULT_CONNECT_TIMEOUT


def _split_server_url(url: str) -> tuple[SplitResult, int | None, str | None]:
    """urlsplit with mend's own explanations: its messages quote the text they choke on."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _invalid(url, "the host cannot be read (an unmatched `[` or `]`)") from None
    try:
        port, host = parts.port, parts.hostname
    except ValueError:
        if _password_cut_short(parts):
            raise _invalid(url, f"the port is not a number: {_ENCODE_PASSWORD}") from None
        raise _invalid(url, "the port is not a number from 0 to 65535") from None
    if _password_cut_short(parts):
        # The "host" and "port" parsed are the user and the start of the password.
        raise _invalid(url, f"an `@` comes after the host: {_ENCODE_PASSWORD}")
    return parts, port, host


def _password_cut_short(parts: SplitResult) -> bool:
    """A `#`, `/` or `?` in an unencoded password ends the host part early, at `user:start`:
    the `@` then comes after it, before any `=` of a query (`?sslcert=/a@b/ca.pem` is a
    legitimate `@`)."""
    if "@" in parts.netloc or ":" not in parts.netloc:
        return False
    rest = f"{parts.path}?{parts.query}#{parts.fragment}"
    at = rest.find("@")
    return at >= 0 and "=" not in rest[:at]


def _invalid(url: str, why: str) -> MendError:
    shown = mask_url(url) if url else "(empty)"
    return MendError(
        P1013,
        f"The provided database URL `{shown}` is invalid: {why}.",
        f"Use {_SUPPORTED}. Special characters in the user or password must be %-encoded: "
        "`#` is %23, `/` %2F, `?` %3F, `@` %40, `:` %3A, `%` %25, a space %20.",
    )
