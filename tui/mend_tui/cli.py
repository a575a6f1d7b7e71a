"""The `mend` command line. Options and help live here; each command's work is imported only
when it runs, and each command's options are declared only when it is asked for (LazyGroup), so
`mend --help` and every command start fast."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from mend_core import __version__
from mend_core.errors import M9000, MendError

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

STATUS_EXIT_CODES = """\b
Exit codes: 0 in sync, 1 error, 2 usage error, 3 pending migrations (behind),
4 a failed migration, 5 diverged (rows missing locally, or edited after apply),
6 not managed (tables but no _prisma_migrations: baseline needed),
7 a deploy in progress (a migration started, not finished, the lock held)."""


SHARED_OPTIONS = ("url", "schema", "migrations_dir", "read_only")


def project_options(function: F) -> F:
    """--url, --schema, --migrations-dir and --read-only, shared by every command. They may be
    given before the command (`mend --read-only deploy`, as `git -C`) or after it; given in both
    places with different values, they are a usage error."""

    @functools.wraps(function)
    def with_shared(*args: Any, **kwargs: Any) -> Any:
        kwargs.update(merge_shared_options(click.get_current_context(), kwargs))
        return function(*args, **kwargs)

    decorators = [
        click.option(
            "--url",
            metavar="URL",
            envvar=None,
            help="Database URL (Prisma or SQLAlchemy form). Default: DATABASE_URL from "
            "the environment or .env, else datasource.url in prisma.config.ts, else the "
            "datasource in schema.prisma.",
        ),
        click.option(
            "--schema",
            "schema",
            type=click.Path(path_type=Path),
            metavar="PATH",
            help="Schema file or folder (default: the config's schema, else prisma/schema.prisma).",
        ),
        click.option(
            "--migrations-dir",
            type=click.Path(path_type=Path),
            metavar="DIR",
            help="Migrations folder (default: the config's migrations.path, else "
            "migrations/ beside the schema).",
        ),
        click.option(
            "--read-only",
            is_flag=True,
            help="Open a read-only database session; commands that write refuse.",
        ),
    ]
    wrapped: Any = with_shared
    for decorator in reversed(decorators):
        wrapped = decorator(wrapped)
    return wrapped  # type: ignore[no-any-return]


def merge_shared_options(ctx: click.Context, given: dict[str, Any]) -> dict[str, Any]:
    """The shared options of a subcommand, completed with those given before the command."""
    outer = ctx.parent.params if ctx.parent is not None else {}
    merged: dict[str, Any] = {}
    for key in SHARED_OPTIONS:
        before, after = outer.get(key), given.get(key)
        if key == "read_only":
            merged[key] = bool(before) or bool(after)
            continue
        if before is not None and after is not None and before != after:
            flag = "--" + key.replace("_", "-")
            # A URL's two values are never printed: they may hold a password.
            shown = "" if key == "url" else f" ({before} before the command, {after} after it)"
            raise click.UsageError(
                f"{flag} is given twice with different values{shown}. Give it once."
            )
        merged[key] = after if after is not None else before
    return merged


def write_options(function: F) -> F:
    decorators = [
        click.option(
            "-y",
            "--yes",
            is_flag=True,
            help="Do not ask for confirmation (needed when not on a terminal).",
        ),
        click.option(
            "--lock-timeout",
            type=float,
            default=10.0,
            show_default=True,
            metavar="SECONDS",
            help="How long to wait for the migration lock.",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def reports_errors(function: F) -> F:
    """Print MendErrors as `Error: CODE`, message, hint; never a traceback; exit 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # deferred: the terminal's output (~5 ms) is not on `mend --help`'s path
        from mend_tui.terminal import echo, print_error

        try:
            return function(*args, **kwargs)
        except MendError as error:
            print_error(error)
            sys.exit(1)
        except KeyboardInterrupt:
            echo("\nInterrupted.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:
            # deferred: the runner (~25 ms) only for an unexpected error
            from mend_core.database.runner import Interrupted

            if isinstance(error, Interrupted):  # Ctrl-C in a statement no command records
                echo("\nInterrupted.", err=True)  # (a shadow's replay, a read): as above
                sys.exit(130)
            if os.environ.get("MEND_DEBUG"):
                raise
            # deferred: only for an internal error's message
            from mend_core.output.redaction import redact

            print_error(
                MendError(
                    M9000,
                    f"mend hit an internal error: {type(error).__name__}: {redact(str(error))}",
                    "This is a bug in mend; run again with MEND_DEBUG=1 for the traceback and "
                    "report it. The journal records every write that was made.",
                )
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


class LazyGroup(click.Group):
    """A group whose subcommands are built (their options declared) only when one is asked for
    by name: `mend inspect` builds inspect alone. `--help` asks for each, so it lists them all
    as before; reading `commands` (completion, "did you mean", tests) builds the rest."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._builders: dict[str, Callable[[], click.Command]] = {}
        self._built: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        for name in list(self._builders):
            self._build(name)
        return self._built

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._built = dict(value)

    def lazy_command(
        self, name: str
    ) -> Callable[[Callable[[], click.Command]], Callable[[], click.Command]]:
        """Register `builder`, which returns the command `name`, to be called on first use."""

        def register(builder: Callable[[], click.Command]) -> Callable[[], click.Command]:
            self._builders[name] = builder
            return builder

        return register

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._build(cmd_name)
        return self._built.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._built, *self._builders})

    def _build(self, name: str) -> None:
        # Built once and kept: a click command holds no state of its own between runs, so a
        # second invocation in the same process (tests' CliRunner) reuses it as click would.
        builder = self._builders.pop(name, None)
        if builder is not None:
            self._built[name] = builder()


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="mend")
@project_options
@click.option("--ascii", "ascii_only", is_flag=True, help="No box-drawing glyphs in the app.")
@click.option("--no-mouse", is_flag=True, help="Do not capture the mouse in the app.")
@click.option(
    "--refresh",
    type=click.IntRange(min=0),
    default=0,
    metavar="SECONDS",
    help="Re-read the status every SECONDS in the app (0: only on `r`).",
)
@click.pass_context
def main(ctx: click.Context, /, **options: Any) -> None:
    """mend: get out of a database-migration incident.

    Speaks Prisma Migrate's formats (prisma/migrations, _prisma_migrations) on PostgreSQL,
    MySQL/MariaDB and SQLite. Without a command, opens the terminal app on this project.
    """
    if ctx.invoked_subcommand is not None:
        return
    # deferred: the command's work loads when it runs (`mend --help` never loads it)
    from mend_tui.commands.app import run_app

    reports_errors(run_app)(**options)


@main.lazy_command("status")
def build_status() -> click.Command:
    @click.command(epilog=STATUS_EXIT_CODES)
    @project_options
    @click.option(
        "--json", "as_json", is_flag=True, help="Machine-readable output (every migration)."
    )
    @click.option(
        "--all",
        "show_all",
        is_flag=True,
        help="List every applied migration (by default long runs are summarised).",
    )
    @click.option(
        "--targets",
        metavar="all|NAME,...",
        help="A table of the databases named in mend.toml instead (read at once; drift included).",
    )
    @reports_errors
    def status(**options: Any) -> None:
        """Show each migration's state and the database's state as a whole."""
        targets = options.pop("targets")
        if targets is not None:
            # deferred: the command's work loads when it runs (`mend --help` never loads it)
            from mend_tui.commands.fleet import run_fleet_status

            run_fleet_status(
                targets=targets,
                schema=options["schema"],
                migrations_dir=options["migrations_dir"],
                as_json=options["as_json"],
            )
            return
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.status import run_status

        run_status(**options)

    return status


@main.lazy_command("deploy")
def build_deploy() -> click.Command:
    @click.command()
    @project_options
    @write_options
    @click.option("--dry-run", is_flag=True, help="Print the plan and the SQL; change nothing.")
    @reports_errors
    def deploy(**options: Any) -> None:
        """Apply pending migrations, as `prisma migrate deploy` does (same checks, lock,
        records)."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.deploy import run_deploy

        run_deploy(**options)

    return deploy


@main.lazy_command("resolve")
def build_resolve() -> click.Command:
    @click.command()
    @project_options
    @write_options
    @click.option("--applied", metavar="NAME", help="Record NAME as applied (no SQL runs).")
    @click.option("--rolled-back", metavar="NAME", help="Record failed NAME as rolled back.")
    @reports_errors
    def resolve(**options: Any) -> None:
        """Mark a migration applied or rolled back, as `prisma migrate resolve` does."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.resolve import run_resolve

        run_resolve(**options)

    return resolve


@main.lazy_command("execute")
def build_execute() -> click.Command:
    @click.command()
    @project_options
    @write_options
    @click.option(
        "--file",
        "file",
        type=click.Path(path_type=Path),
        metavar="PATH",
        help="The SQL script to run.",
    )
    @click.option("--stdin", is_flag=True, help="Read the script from standard input.")
    @click.option("--dry-run", is_flag=True, help="Print the statements; change nothing.")
    @reports_errors
    def execute(**options: Any) -> None:
        """Run a SQL script without touching the history table (like `prisma db execute`)."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.execute import run_execute

        run_execute(**options)

    return execute


def replay_options(function: F) -> F:
    """--shadow-url and --replay-data: how the history is replayed to know the schema it
    builds. Every command that replays takes them (diff, drift, hotfix, inspect, plan,
    recover)."""
    decorators = [
        click.option(
            "--replay-data",
            is_flag=True,
            help="Run the data statements of replayed migrations too, as Prisma does. By "
            "default they are skipped (a schema does not depend on rows), unless the "
            "schema-only replay fails: then the history is replayed again with them.",
        ),
        click.option(
            "--shadow-url",
            metavar="URL",
            help="An empty database to replay into (default: a temporary one on the server).",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


DIFF_EXIT_CODES = """\b
With --exit-code: 0 no difference, 2 differences, 1 error (as `prisma migrate diff`)."""


def diff_sources(function: F) -> F:
    decorators = []
    for side in ("from", "to"):
        decorators += [
            click.option(
                f"--{side}-empty", is_flag=True, help=f"{side.title()}: an empty database."
            ),
            click.option(f"--{side}-url", metavar="URL", help=f"{side.title()}: a live database."),
            click.option(
                f"--{side}-config-datasource",
                is_flag=True,
                help=f"{side.title()}: the project's own database, found as every command "
                "finds it (--url, DATABASE_URL, .env, prisma.config.ts, schema.prisma).",
            ),
            click.option(
                f"--{side}-migrations",
                metavar="DIR",
                help=f"{side.title()}: a migrations folder, replayed in a shadow database.",
            ),
            click.option(
                f"--{side}-sql",
                metavar="FILE",
                help=f"{side.title()}: a file of DDL, applied to a shadow database.",
            ),
        ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


@main.lazy_command("diff")
def build_diff() -> click.Command:
    @click.command(epilog=DIFF_EXIT_CODES)
    @diff_sources
    @click.option("--script", is_flag=True, help="Print the SQL instead of the summary.")
    @click.option("--exit-code", is_flag=True, help="Exit 2 when there are differences.")
    @replay_options
    @click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        metavar="FILE",
        help="Write the output to FILE.",
    )
    @project_options
    @reports_errors
    def diff(**options: Any) -> None:
        """The changes (or the SQL, with --script) that take one schema to another."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.diff import run_diff

        run_diff(**options)

    return diff


@main.lazy_command("drift")
def build_drift() -> click.Command:
    @click.command(epilog="Exit codes: 0 no drift, 2 drift, 1 error.")
    @project_options
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.option(
        "--script", is_flag=True, help="Print the SQL of a migration that records the drift."
    )
    @replay_options
    @reports_errors
    def drift(**options: Any) -> None:
        """The live database against the migrations recorded as applied (hotfixes, leftovers)."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.drift import run_drift

        run_drift(**options)

    return drift


HOTFIX_EXIT_CODES = """\b
Exit codes: 0 recorded and verified (or listed), 1 error (nothing written unless it says so),
3 recorded here, but a target needs a hand (a conflict, or unreachable)."""


@main.lazy_command("hotfix")
def build_hotfix() -> click.Command:
    @click.command(epilog=HOTFIX_EXIT_CODES)
    @project_options
    @write_options
    @click.option("--list", "list_only", is_flag=True, help="List the drift items; write nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.option("--name", metavar="NAME", help="The migration's name (default: from the items).")
    @click.option(
        "--item",
        multiple=True,
        metavar="N",
        help="Record only item N (repeat, or N,M; default: every hotfix item).",
    )
    @click.option(
        "--targets",
        metavar="all|NAME,...",
        help="Also reconcile the databases named in mend.toml: mark it applied where they have it.",
    )
    @replay_options
    @click.option(
        "--target-timeout",
        type=float,
        default=60.0,
        show_default=True,
        metavar="SECONDS",
        help="How long each target may take to answer.",
    )
    @reports_errors
    def hotfix(**options: Any) -> None:
        """Record hand-made drift as a new migration, marked applied where it already is."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.hotfix import run_hotfix

        run_hotfix(**options)

    return hotfix


def recovery_options(function: F) -> F:
    """NAME, the direction, the data fix and how to replay (plan, recover)."""
    decorators = [
        click.argument("name", required=False),
        click.option("--roll-back", is_flag=True, help="Undo what the migration did."),
        click.option("--roll-forward", is_flag=True, help="Finish the migration."),
        click.option(
            "--data-fix",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="Roll forward: your SQL that fixes the data first.",
        ),
        click.option(
            "--dedupe",
            type=click.Choice(["delete-keep-first", "suffix"]),
            help="Roll forward: a generated data fix for duplicates (keep the lowest key and "
            "delete the others, or make them unique with a suffix).",
        ),
        click.option(
            "--fix-blockers",
            is_flag=True,
            help="Roll forward: also fix the later statements the data blocks (listed by "
            "`mend inspect`), each with its first generated template that runs as it is, right "
            "before its statement.",
        ),
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return replay_options(function)


DRY_RUN_HELP = (
    "Also run the rest of the migration in a transaction that is always rolled back "
    "(PostgreSQL, SQLite): the data is counted in the migration's own order, and every "
    "statement that would fail on the data is listed. Takes the locks those statements take, "
    "for at most 2 s each. Without it nothing is written, and the counts are the live rows'."
)


@main.lazy_command("inspect")
def build_inspect() -> click.Command:
    @click.command()
    @click.argument("name", required=False)
    @project_options
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
    @click.option(
        "--full-logs",
        is_flag=True,
        help="Print the failed attempt's whole logs, as _prisma_migrations holds them, and nothing "
        "else (inspect shows their first 4 KB).",
    )
    @replay_options
    @reports_errors
    def inspect(**options: Any) -> None:
        """What a failed migration did and left behind (read-only): NAME, or the one failed."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.inspect import run_inspect

        run_inspect(**options)

    return inspect


@main.lazy_command("plan")
def build_plan_command() -> click.Command:
    @click.command(name="plan")
    @recovery_options
    @project_options
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.option(
        "--script", is_flag=True, help="An offline runbook: guard, repair, history change, checks."
    )
    @click.option(
        "-o", "--output", type=click.Path(path_type=Path), metavar="FILE", help="Write to FILE."
    )
    @click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
    @reports_errors
    def plan_command(**options: Any) -> None:
        """The SQL that rolls a failed migration back or forward, with its risks; nothing runs."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.plan import run_plan

        run_plan(**options)

    return plan_command


@main.lazy_command("recover")
def build_recover() -> click.Command:
    @click.command()
    @recovery_options
    @project_options
    @write_options
    @click.option("--rehearse-only", is_flag=True, help="Rehearse, then stop: nothing changes.")
    @click.option("--skip-rehearsal", is_flag=True, help="Do not rehearse first (not advised).")
    @click.option(
        "--lock-wait",
        type=float,
        default=5.0,
        show_default=True,
        metavar="SECONDS",
        help="How long a repair statement may wait for a table lock (lock_timeout).",
    )
    @click.option("--json", "as_json", is_flag=True, help="The result as JSON.")
    @reports_errors
    def recover(**options: Any) -> None:
        """Analyse, plan, rehearse, run, resolve and verify the recovery of a failed migration."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.recover import run_recover

        run_recover(**options)

    return recover


@main.lazy_command("report")
def build_report() -> click.Command:
    @click.command()
    @click.argument("name", required=False)
    @project_options
    @click.option("--json", "as_json", is_flag=True, help="The report's data as JSON.")
    @click.option(
        "-o", "--output", type=click.Path(path_type=Path), metavar="FILE", help="Write to FILE."
    )
    @reports_errors
    def report(**options: Any) -> None:
        """The incident report of a failed or recovered migration, in Markdown."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.report import run_report

        run_report(**options)

    return report


@main.lazy_command("journal")
def build_journal() -> click.Command:
    @click.command(epilog="Exit codes: 0 shown (or intact), 1 error (M4007: the chain is broken).")
    @click.option(
        "--file",
        type=click.Path(path_type=Path),
        metavar="PATH",
        help="The journal to read (default: $MEND_JOURNAL, else "
        "~/.local/state/mend/journal.jsonl).",
    )
    @click.option(
        "--verify", is_flag=True, help="Check that no entry was edited, removed or added."
    )
    @click.option(
        "--head",
        metavar="ENTRIES:SHA256",
        help="With --verify: a head recorded elsewhere (an incident report's) the file must hold.",
    )
    @click.option("--json", "as_json", is_flag=True, help="The entries as JSON.")
    @click.option("--run", metavar="ID", help="Only the entries of one run (a prefix of its id).")
    @click.option(
        "--last",
        type=click.IntRange(min=0),
        default=0,
        metavar="N",
        help="Only the last N entries.",
    )
    @reports_errors
    def journal(**options: Any) -> None:
        """What mend wrote to databases, from its tamper-evident journal."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.journal import run_journal

        run_journal(**options)

    return journal


@main.lazy_command("demo")
def build_demo() -> click.Command:
    @click.command()
    @click.argument("directory", type=click.Path(path_type=Path), default=Path("mend-demo"))
    @click.option("--no-tui", is_flag=True, help="Only write the project; do not open the app.")
    @click.option("--ascii", "ascii_only", is_flag=True, help="No box-drawing glyphs in the app.")
    @click.option("--no-mouse", is_flag=True, help="Do not capture the mouse in the app.")
    @click.pass_context
    @reports_errors
    def demo(ctx: click.Context, /, **options: Any) -> None:
        """Write a Prisma project on SQLite with a failed migration and a hotfix, then open it."""
        # deferred: the command's work loads when it runs (`mend --help` never loads it)
        from mend_tui.commands.demo import run_demo

        outer = ctx.parent.params if ctx.parent is not None else {}
        refuse_database_options_for_demo(outer)
        options["ascii_only"] = options["ascii_only"] or bool(outer.get("ascii_only"))
        options["no_mouse"] = options["no_mouse"] or bool(outer.get("no_mouse"))
        run_demo(**options)

    return demo


def refuse_database_options_for_demo(outer: dict[str, Any]) -> None:
    """The demo writes its own project and database: options naming another one, or asking
    for a read-only session, cannot apply to it."""
    if outer.get("read_only"):
        # deferred: not on `mend --help`'s path: the database session (~10 ms) only for `mend demo`
        from mend_core.database.session import refuse_in_read_only

        refuse_in_read_only(True, "demo")
    keys = ("url", "schema", "migrations_dir")
    named = [f"--{key.replace('_', '-')}" for key in keys if outer.get(key)]
    if named:
        raise click.UsageError(
            f"`mend demo` writes its own project and SQLite database; {', '.join(named)} "
            "cannot apply to it. Run `mend demo` alone, then `cd mend-demo && mend`."
        )


if __name__ == "__main__":
    main()
