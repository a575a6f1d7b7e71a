"""Database URLs, Prisma's and SQLAlchemy's, parsed into one immutable `DatabaseTarget`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from mend_core.errors import P1013, MendError
from mend_core.redaction import redact

Dialect = Literal["postgresql", "mysql", "sqlite"]

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_PORTS: dict[str, int] = {"postgresql": 5432, "mysql": 3306}

_SCHEMES: dict[str, Dialect] = {
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "file": "sqlite",
}

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
        secret_options = tuple(v for k, v in self.options if "password" in k.lower())
        return ((self.password,) if self.password else ()) + secret_options

    def option(self, key: str) -> str | None:
        for k, v in self.options:
            if k == key:
                return v
        return None

    def with_database(self, database: str) -> DatabaseTarget:
        return replace(self, database=database)

    def display(self) -> str:
        """A URL to show: the password masked, everything else as given."""
        if self.dialect == "sqlite":
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
        if self.dialect == "sqlite":
            return f"sqlite {'(memory)' if self.memory else _shown_path(self.path)}"
        where = self.host or self.socket or "localhost"
        if self.port and self.port != DEFAULT_PORTS[self.dialect]:
            where += f":{self.port}"
        name = self.database or ""
        if self.dialect == "postgresql" and self.schema and self.schema != "public":
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
    """Parse a Prisma or SQLAlchemy URL; relative SQLite paths resolve against `base_dir`."""
    url = url.strip()
    if not url:
        raise _invalid(url, "the URL is empty")
    scheme, sep, _rest = url.partition(":")
    if not sep:
        raise _invalid(url, "it has no scheme")
    base_scheme = scheme.lower().split("+", 1)[0]
    dialect = _SCHEMES.get(base_scheme)
    if dialect is None:
        raise _invalid(url, f"the scheme `{scheme}` is not supported")
    if dialect == "sqlite":
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
    import os.path

    return os.path.normpath(str(path))


def _parse_server(url: str, dialect: Dialect) -> DatabaseTarget:
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise _invalid(url, str(exc)) from None
    if not url.split(":", 1)[1].startswith("//"):
        raise _invalid(url, "it must look like scheme://user:password@host:port/database")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    socket = query.pop("host", None) or query.pop("socket", None)
    if not host and not socket:
        raise _invalid(url, "it names no host")
    database = unquote(parts.path.lstrip("/")) or None
    if database and "/" in database:
        raise _invalid(url, "the database name contains `/`")
    if dialect == "mysql" and not database:
        raise _invalid(url, "it names no database (mysql://user@host:3306/DATABASE)")
    schema = query.pop("schema", None) if dialect == "postgresql" else None
    if dialect == "postgresql":
        database = database or "postgres"
        schema = schema or "public"
    timeout = _timeout(query, url)
    query.pop("connect_timeout", None)
    return DatabaseTarget(
        dialect=dialect,
        host=host,
        port=port or DEFAULT_PORTS[dialect],
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
        raise _invalid(url, f"connect_timeout `{raw}` is not a number of seconds") from None
    return value if value > 0 else DEFAULT_CONNECT_TIMEOUT


def mask_url(url: str) -> str:
    """Mask the password of one URL, even a malformed one (spaces, several `@`)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return redact(url)
    userinfo, _, after = rest.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    return f"{scheme}://{user}{':****' if colon else ''}@{after}"


def _invalid(url: str, why: str) -> MendError:
    shown = mask_url(url) if url else "(empty)"
    return MendError(
        P1013,
        f"The provided database URL `{shown}` is invalid: {why}.",
        f"Use {_SUPPORTED}. Special characters in the user or password must be %-encoded.",
    )
