"""User-facing errors: every failure mend reports carries a code, a message and a hint.

Codes reuse Prisma's P-codes where the meaning is the same, so that an operator who knows Prisma
recognises them; mend's own conditions use M-codes (see `CODES` for the list).
"""

from __future__ import annotations

# Prisma's codes that mend raises with the same meaning.
P1000 = "P1000"  # authentication failed
P1001 = "P1001"  # can't reach the database server
P1002 = "P1002"  # timed out (connect or migration lock)
P1003 = "P1003"  # database does not exist
P1010 = "P1010"  # access denied
P1013 = "P1013"  # invalid database URL
P1017 = "P1017"  # the server closed the connection
P3005 = "P3005"  # schema not empty, history table absent: baseline needed
P3006 = "P3006"  # a migration failed to apply to the shadow database
P3008 = "P3008"  # already recorded as applied
P3009 = "P3009"  # failed migrations found
P3010 = "P3010"  # migration name too long
P3011 = "P3011"  # cannot roll back: never applied
P3012 = "P3012"  # cannot roll back: not failed
P3014 = "P3014"  # the shadow database could not be created
P3015 = "P3015"  # migration.sql missing
P3017 = "P3017"  # migration not found locally
P3018 = "P3018"  # a migration failed to apply
P3019 = "P3019"  # provider does not match migration_lock.toml

# mend's own codes.
M1001 = "M1001"  # no database URL configured
M1002 = "M1002"  # database driver missing
M1003 = "M1003"  # write refused in read-only mode
M1004 = "M1004"  # SQLite database file does not exist
M1005 = "M1005"  # environment variable named by schema.prisma is not set
M1006 = "M1006"  # URL dialect does not match the schema's provider
M1007 = "M1007"  # unexpected database error while talking to the server
M1008 = "M1008"  # a file or folder named on the command line does not exist
M1009 = "M1009"  # SQLite file has an unfinished write (hot journal) and is opened read-only
M1010 = "M1010"  # a project file (.env, prisma.config.ts, schema) cannot be read or evaluated
M1011 = "M1011"  # an output file (-o, a runbook, a report) cannot be written
M2002 = "M2002"  # migration.sql is not UTF-8
M2003 = "M2003"  # migration.sql is empty
M2004 = "M2004"  # migration.sql too large
M2005 = "M2005"  # DELIMITER in a MySQL script
M2006 = "M2006"  # not a valid migration name
M2007 = "M2007"  # script file unreadable (execute --file)
M3001 = "M3001"  # history table has an unexpected shape
M3002 = "M3002"  # history table absent where it must exist
M3003 = "M3003"  # a history row holds a value Prisma never writes
M4001 = "M4001"  # confirmation required
M4002 = "M4002"  # a script failed (execute)
M4003 = "M4003"  # journal cannot be written
M4004 = "M4004"  # interrupted
M4005 = "M4005"  # the database changed since the preview
M4006 = "M4006"  # a deploy is in progress in another session
M4007 = "M4007"  # the journal's hash chain is broken (an entry was edited or removed)
M4008 = "M4008"  # the database changed since the recovery plan was made
M4009 = "M4009"  # a recovery's or hotfix's verification failed
M5001 = "M5001"  # demo directory not usable
M6001 = "M6001"  # a diff source is missing or ambiguous
M6002 = "M6002"  # the shadow database given is not empty
M6003 = "M6003"  # the two sides of a diff are different databases kinds
M7001 = "M7001"  # no generated data fix applies to this failure
M7002 = "M7002"  # no failed migration to recover (or not the one named)
M7003 = "M7003"  # the recovery plan cannot work as it stands
M7004 = "M7004"  # the rehearsal of a recovery failed
M7005 = "M7005"  # a step of a recovery failed
M7006 = "M7006"  # a data fix holds its own transaction control (BEGIN, COMMIT, ...)
M8001 = "M8001"  # no drift item with that number
M8002 = "M8002"  # nothing selected to record as a hotfix
M8003 = "M8003"  # the migration name is empty once sanitised
M8004 = "M8004"  # the migrations folder cannot be written
M8005 = "M8005"  # mend.toml is invalid (a password in it, a target without a URL, ...)
M8006 = "M8006"  # a target's URL variable is not set
M8007 = "M8007"  # no such target in mend.toml
M8008 = "M8008"  # a chosen hotfix item was recorded by another migration since the preview
M8009 = "M8009"  # a migration folder not named by time sorts after any new hotfix folder
M9000 = "M9000"  # an internal error: a bug in mend

CODES: dict[str, str] = {
    P1000: "authentication failed",
    P1001: "database server unreachable",
    P1002: "timed out",
    P1003: "database does not exist",
    P1010: "access denied",
    P1013: "invalid database URL",
    P1017: "server closed the connection",
    P3005: "database not empty and not managed: baseline needed",
    P3006: "migration failed on the shadow database",
    P3008: "migration already recorded as applied",
    P3009: "failed migrations found",
    P3010: "migration name too long",
    P3011: "migration never applied: cannot roll back",
    P3012: "migration not failed: cannot roll back",
    P3014: "shadow database could not be created",
    P3015: "migration.sql missing",
    P3017: "migration not found locally",
    P3018: "a migration failed to apply",
    P3019: "provider does not match migration_lock.toml",
    M1001: "no database URL configured",
    M1002: "database driver missing",
    M1003: "write refused in read-only mode",
    M1004: "SQLite database file does not exist",
    M1005: "environment variable not set",
    M1006: "URL does not match the schema's provider",
    M1007: "unexpected database error",
    M1008: "named file or folder does not exist",
    M1009: "SQLite file has an unfinished write",
    M1010: "project file unreadable",
    M1011: "output file cannot be written",
    M2002: "migration.sql is not UTF-8",
    M2003: "migration.sql is empty",
    M2004: "migration.sql too large",
    M2005: "DELIMITER is not SQL",
    M2006: "not a valid migration name",
    M2007: "script file unreadable",
    M3001: "history table has an unexpected shape",
    M3002: "history table absent",
    M3003: "history row unreadable",
    M4001: "confirmation required",
    M4002: "script failed",
    M4003: "journal cannot be written",
    M4004: "interrupted",
    M4005: "database changed since the preview",
    M4006: "a deploy is in progress",
    M4007: "journal chain broken",
    M4008: "database changed since the plan",
    M4009: "verification failed",
    M5001: "demo directory not usable",
    M6001: "diff source missing or ambiguous",
    M6002: "shadow database not empty",
    M6003: "diff sides are different database kinds",
    M7001: "no generated data fix applies",
    M7002: "no failed migration to recover",
    M7003: "recovery plan cannot work",
    M7004: "rehearsal failed",
    M7005: "recovery step failed",
    M7006: "transaction control in a data fix",
    M8001: "no such drift item",
    M8002: "empty hotfix selection",
    M8003: "migration name empty",
    M8004: "migrations folder not writable",
    M8005: "mend.toml invalid",
    M8006: "target URL not set",
    M8007: "no such target",
    M8008: "hotfix item already recorded",
    M9000: "internal error",
}


class MendError(Exception):
    """A failure to show the operator: a code, a one-paragraph message and a hint."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def render(self) -> str:
        """The form printed by the CLI: `Error: CODE`, the message, then the hint."""
        text = f"Error: {self.code}\n\n{self.message}"
        if self.hint:
            text += f"\n\nHint: {self.hint}"
        return text
