"""PostgreSQL test databases from a pool per worker process, emptied between tests.

A CREATE/DROP DATABASE costs about a second on PostgreSQL (each DROP forces a checkpoint), so a
database, once made, serves test after test: after each test its other sessions are ended, it is
renamed (every test sees a name of its own, as before), and its schemas, extensions and other
objects are dropped in one round trip. It then matches a freshly created database in every
catalog a test can reach (`_FINGERPRINT`, compared with one taken from a new database); where it
does not, or anything fails, it is dropped and a new one made. MariaDB makes and drops a database
in milliseconds, so conftest gives each test a new one there.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit


class ServerUnreachable(Exception):
    """The server did not accept the admin connection."""


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def new_name() -> str:
    return f"mend_test_{uuid.uuid4().hex[:12]}"


# What an emptied database keeps that a new one would not have: objects of its own (oid 16384
# and up: made after initdb), the public schema's owner, grants and comment, the database's own
# settings, grants and dependencies on roles. Temporary schemas stay once used, empty.
_FINGERPRINT = r"""
SELECT
  (SELECT count(*) FROM pg_class WHERE oid >= 16384),
  (SELECT count(*) FROM pg_type WHERE oid >= 16384),
  (SELECT count(*) FROM pg_proc WHERE oid >= 16384),
  (SELECT count(*) FROM pg_namespace WHERE oid >= 16384 AND nspname <> 'public'
     AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%'),
  (SELECT string_agg(extname || ' ' || extversion, ',' ORDER BY extname) FROM pg_extension),
  (SELECT count(*) FROM pg_cast WHERE oid >= 16384),
  (SELECT count(*) FROM pg_event_trigger),
  (SELECT count(*) FROM pg_foreign_data_wrapper),
  (SELECT count(*) FROM pg_foreign_server),
  (SELECT count(*) FROM pg_user_mapping),
  (SELECT count(*) FROM pg_publication),
  (SELECT count(*) FROM pg_language WHERE oid >= 16384),
  (SELECT count(*) FROM pg_largeobject_metadata),
  (SELECT count(*) FROM pg_default_acl),
  (SELECT count(*) FROM pg_operator WHERE oid >= 16384),
  (SELECT count(*) FROM pg_opfamily WHERE oid >= 16384),
  (SELECT count(*) FROM pg_collation WHERE oid >= 16384),
  (SELECT count(*) FROM pg_conversion WHERE oid >= 16384),
  (SELECT count(*) FROM pg_ts_config WHERE oid >= 16384),
  (SELECT count(*) FROM pg_ts_dict WHERE oid >= 16384),
  (SELECT count(*) FROM pg_am WHERE oid >= 16384),
  (SELECT count(*) FROM pg_transform),
  (SELECT count(*) FROM pg_statistic_ext),
  (SELECT nspowner::regrole::text || ' ' || coalesce(nspacl::text, '-') || ' '
     || coalesce(obj_description(oid, 'pg_namespace'), '-')
   FROM pg_namespace WHERE nspname = 'public'),
  (SELECT datdba::regrole::text || ' ' || coalesce(datacl::text, '-') || ' '
     || datconnlimit || ' ' || datallowconn || ' ' || datistemplate || ' ' || dattablespace
     || ' ' || coalesce(shobj_description(oid, 'pg_database'), '-')
   FROM pg_database WHERE datname = current_database()),
  (SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
   WHERE d.datname = current_database()),
  (SELECT count(*) FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
   WHERE d.datname = current_database()),
  (SELECT count(*) FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid
   WHERE d.datname = current_database())
"""

# Drops what a test can make, database-wide objects first (they may sit on a schema's types
# and functions), then every schema but the system's, and makes public again as initdb makes
# it (PostgreSQL 15: owned by pg_database_owner, USAGE for everyone).
_EMPTY = r"""
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT evtname FROM pg_event_trigger LOOP
    EXECUTE format('DROP EVENT TRIGGER IF EXISTS %I CASCADE', r.evtname);
  END LOOP;
  FOR r IN SELECT pubname FROM pg_publication LOOP
    EXECUTE format('DROP PUBLICATION IF EXISTS %I', r.pubname);
  END LOOP;
  FOR r IN SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' LOOP
    EXECUTE format('DROP EXTENSION IF EXISTS %I CASCADE', r.extname);
  END LOOP;
  FOR r IN SELECT fdwname FROM pg_foreign_data_wrapper LOOP
    EXECUTE format('DROP FOREIGN DATA WRAPPER IF EXISTS %I CASCADE', r.fdwname);
  END LOOP;
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
             AND nspname NOT LIKE 'pg\_temp\_%' AND nspname NOT LIKE 'pg\_toast\_temp\_%' LOOP
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', r.nspname);
  END LOOP;
  PERFORM lo_unlink(oid) FROM pg_largeobject_metadata;
  CREATE SCHEMA public AUTHORIZATION pg_database_owner;
  GRANT USAGE ON SCHEMA public TO PUBLIC;
  COMMENT ON SCHEMA public IS 'standard public schema';
END
$$
"""


@dataclass
class Lease:
    """A database lent to one test, and the session the test inspects it through."""

    name: str
    url: str
    raw: Any = field(repr=False)


@dataclass
class PostgresPool:
    """This process's PostgreSQL test databases; `server_url` names the maintenance database."""

    server_url: str
    _admin: Any = field(default=None, repr=False)
    _idle: list[Lease] = field(default_factory=list)
    _made: set[str] = field(default_factory=set)  # every database of this pool, by current name
    _fresh: tuple[Any, ...] | None = None  # the fingerprint of a new database
    # Leases given back while the pool was busy: a generator a test left open is closed by the
    # garbage collector at any moment, maybe in the middle of the pool's own queries.
    _returned: list[Lease] = field(default_factory=list)
    _busy: bool = False

    def admin(self) -> Any:
        import psycopg

        if self._admin is not None and not self._admin.closed:
            try:
                self._admin.execute("SELECT 1")
                return self._admin
            except psycopg.Error:
                self._admin.close()  # ended by a test (pg_terminate_backend): connect again
        try:
            self._admin = psycopg.connect(self.server_url, autocommit=True, connect_timeout=3)
        except Exception as error:
            raise ServerUnreachable(str(error)) from error
        return self._admin

    def acquire(self) -> Lease:
        self._busy = True
        try:
            return self._acquire()
        finally:
            self._busy = False

    def _acquire(self) -> Lease:
        admin = self.admin()  # first: an unreachable server is a skip, not an error
        while self._returned:
            self._empty(self._returned.pop())
        while self._idle:
            lease = self._idle.pop()
            try:
                lease.raw.execute("SELECT 1")
                return lease
            except Exception:  # noqa: BLE001 - its session was ended meanwhile: make another
                lease.raw.close()
                self._discard(lease.name)
        return self._create(admin)

    def release(self, lease: Lease) -> None:
        """Empty `lease`'s database under a new name for the next test, or drop it."""
        if self._busy:
            self._returned.append(lease)
            return
        self._busy = True
        try:
            self._empty(lease)
        finally:
            self._busy = False

    def _empty(self, lease: Lease) -> None:
        lease.raw.close()
        try:
            self._idle.append(self._emptied(lease.name))
        except Exception:  # noqa: BLE001 - whatever it holds, a new database is the same
            self._discard(lease.name)

    def close(self) -> None:
        for lease in self._idle + self._returned:
            lease.raw.close()
        self._idle.clear()
        self._returned.clear()
        if self._made:
            admin = self.admin()
            for name in sorted(self._made):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._made.clear()
        if self._admin is not None:
            self._admin.close()

    def _create(self, admin: Any) -> Lease:
        import psycopg

        name = new_name()
        admin.execute(f'CREATE DATABASE "{name}"')
        self._made.add(name)
        url = with_database(self.server_url, name)
        raw = psycopg.connect(url, autocommit=True)
        if self._fresh is None:
            self._fresh = raw.execute(_FINGERPRINT).fetchone()
        return Lease(name, url, raw)

    def _emptied(self, name: str) -> Lease:
        import psycopg

        admin = self.admin()
        if admin.execute("SELECT 1 FROM pg_prepared_xacts WHERE database = %s", (name,)).fetchone():
            raise RuntimeError(f"{name} holds prepared transactions")
        renamed = new_name()
        self._rename(admin, name, renamed)
        self._made.discard(name)
        self._made.add(renamed)
        url = with_database(self.server_url, renamed)
        raw = psycopg.connect(url, autocommit=True)
        try:
            raw.execute(_EMPTY)
            if raw.execute(_FINGERPRINT).fetchone() != self._fresh:
                raise RuntimeError(f"{renamed} differs from a new database once emptied")
        except BaseException:
            raw.close()
            self._discard(renamed)
            raise
        return Lease(renamed, url, raw)

    def _rename(self, admin: Any, name: str, renamed: str) -> None:
        """Renames `name` once no other session is on it: a test's, or mend's from a process
        the test left running. A session ends shortly after it is told to, or after its
        client closed it."""
        import psycopg

        deadline = time.monotonic() + 10
        while True:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            try:
                admin.execute(f'ALTER DATABASE "{name}" RENAME TO "{renamed}"')
                return
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _discard(self, name: str) -> None:
        self._made.discard(name)
        self.admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
