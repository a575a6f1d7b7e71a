"""Verify: what the recovery left, checked in a fresh read-only session. The verification
(the objects in scope as planned, the unrelated drift untouched, the migration's state), what
`mend status` says now, the journal run, and what the operator does next (for a roll back: fix
the migration file, then deploy). `w` writes the incident report to the project folder.

Closing the wizard (enter) refreshes the app's status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from mend_core.errors import MendError
from mend_core.recovery.execute import RecoveryResult
from mend_tui.paths import shown_path
from mend_tui.screens.wizard_step import StepScreen, unexpected
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.stepper import Progress


class VerifyStep(StepScreen[None]):
    CSS_PATH = ["flow.tcss", "verify.tcss"]
    BINDINGS = [
        Binding("enter,escape", "done", "Done", key_display="enter"),
        Binding("w", "report", "Write report"),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: Progress,
        result: RecoveryResult,
        write_report: Callable[[], Path],
    ) -> None:
        super().__init__(snapshot, progress)
        self.result = result
        self.write_report = write_report
        self.written: Path | None = None

    def body(self) -> ComposeResult:
        yield Static(self.verification(), id="verification")
        yield Static("", id="report", classes="hint")

    def ready(self) -> None:
        self.show_report()

    def verification(self) -> Content:
        result = self.result
        verified = result.verification
        plan = result.plan
        parts: list[Content | str] = [
            Content.styled(
                verified.describe(), "bold $text-success" if verified.ok else "bold $text-error"
            )
        ]
        if not verified.ok:
            parts += [
                "\n",
                Content.styled(
                    f"`mend inspect {plan.migration}` and `mend drift` show the state now; "
                    "`mend journal --last 40` shows every statement that ran.",
                    "$text-muted",
                ),
            ]
        parts += [
            "\n\n",
            Content.styled("mend status now: ", "bold"),
            verified.status_line,
            "\n",
            Content.styled("Journal run: ", "bold"),
            result.run,
            Content.styled(f"  (mend journal --run {result.run[:8]})", "$text-muted"),
            "\n\n",
            Content.styled("Next: ", "bold $text-accent"),
            plan.afterwards,
        ]
        return Content.assemble(*parts)

    def show_report(self) -> None:
        report = self.query_one("#report", Static)
        if self.written is None:
            report.update("w writes the incident report (Markdown) to the project folder.")
            return
        report.update(
            Content.assemble(
                Content.styled("Report written: ", "bold $text-success"),
                shown_path(self.written),
            )
        )

    def action_done(self) -> None:
        self.answer(None)

    def action_report(self) -> None:
        self._write()

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _write(self) -> None:
        try:
            path = self.write_report()
        except MendError as error:
            self._from_thread(self._not_written, f"{error.code}: {error.message}")
            return
        except OSError as error:
            self._from_thread(self._not_written, str(error))
            return
        except Exception as error:  # noqa: BLE001 - said on screen, never as a traceback
            self._from_thread(self._not_written, unexpected(error).message)
            return
        self._from_thread(self._written, path)

    def _written(self, path: Path) -> None:
        self.written = path
        if self.is_attached:
            self.show_report()
        self.notify(f"Report written to {path}", timeout=6)

    def _not_written(self, text: str) -> None:
        self.notify(f"The report could not be written: {text}", severity="error", timeout=10)
