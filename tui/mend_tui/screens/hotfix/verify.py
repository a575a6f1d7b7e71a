"""Verify: what the hotfix left, read again (read-only). `verify_hotfix` replays the history, the
new migration with it, in a shadow and compares it with the database (drift must show none of
the recorded items), reads the migration's state as `mend status` does (applied), and reads each
target marked applied (applied) or left pending (pending). Then `mend status` now, the journal
run, each target's outcome, and what the operator does next: commit the folder, add the
schema.prisma lines.

The verification runs here, in a thread worker behind the busy indicator. Closing the wizard
(enter) reads the app's status again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

from mend_core.hotfix.apply import HotfixResult
from mend_core.hotfix.session import Verified
from mend_core.hotfix.target_check import TargetState
from mend_tui.presentation import database_words, short_counts
from mend_tui.screens.hotfix.name import relative
from mend_tui.screens.hotfix.text import APPLY_WORDS, TARGET_LOOK
from mend_tui.screens.wizard_step import StepScreen
from mend_tui.snapshot import Snapshot
from mend_tui.widgets.hotfix_stepper import HotfixProgress
from mend_tui.widgets.scroll_text import ScrollText


class VerifyText(ScrollText):
    """Scrolls with the keys of every text panel."""


class HotfixVerifyStep(StepScreen[None]):
    CSS_PATH = ["../recover/flow.tcss", "flow.tcss", "verify.tcss"]
    BINDINGS = [
        Binding("enter,escape", "done", "Done", key_display="enter"),
    ]

    def __init__(
        self,
        snapshot: Snapshot,
        progress: HotfixProgress,
        result: HotfixResult,
        load: Callable[[], Verified],
        root: Path,
        verified: Verified | None = None,
        unset: tuple[str, ...] = (),
    ) -> None:
        super().__init__(snapshot, progress)
        self.result = result
        self.unset = unset  # targets of mend.toml whose URL was not set: not checked
        self.loader = load
        self.root = root
        self.verified = verified

    def body(self) -> ComposeResult:
        with VerifyText(id="verify-scroll"):
            yield Static("", id="verification")

    def ready(self) -> None:
        if self.verified is not None:
            self.show(self.verified)
        else:
            self.load(
                self.loader,
                "Verifying: the history with the new migration replayed in a shadow database "
                "and compared with the database; the status read again",
                self.show,
                "Could not verify the hotfix (it is recorded: `mend drift` and `mend status` "
                "check it too)",
            )

    def show(self, verified: Verified) -> None:
        self.verified = verified
        self.query_one("#verification", Static).update(self.content(verified))
        self.query_one(VerifyText).focus()

    def content(self, verified: Verified) -> Content:
        result = self.result
        verification = verified.verification
        ok = verification.ok
        remaining = verification.remaining
        checks = [
            "drift still shows " + ", ".join(remaining)
            if remaining
            else "drift shows none of the recorded items",
            f"the migration is {verification.state_here.replace('_', ' ')} here",
        ]
        parts: list[Content | str] = [
            Content.styled(
                ("Verified: " if ok else "Verification failed: ") + "; ".join(checks) + ".",
                "bold $text-success" if ok else "bold $text-error",
            )
        ]
        if not ok:
            parts += [
                "\n",
                Content.styled(
                    "`mend drift` and `mend status` show the state now; `mend journal --last 20` "
                    "every write.",
                    "$text-muted",
                ),
            ]
        parts += ["\n\n", Content.styled("mend status now: ", "bold")]
        status = verified.status
        if status is not None:
            parts.append(f"{database_words(status.state)}: {short_counts(status)}.")
        elif verified.status_error is not None:
            error = verified.status_error
            parts.append(f"could not be read ({error.code}: {error.message})")
        parts += [
            "\n",
            Content.styled("Journal run: ", "bold"),
            result.journal_run,
            Content.styled(f"  (mend journal --run {result.journal_run[:8]})", "$text-muted"),
        ]
        if result.created_lock_file:
            parts += ["\n", "Wrote migration_lock.toml (the migrations folder had none)."]
        if result.targets or self.unset:
            parts += ["\n\n", Content.styled("Targets:", "bold")]
            found = {name: (expected, state) for name, expected, state in verification.targets}
            for outcome in result.targets:
                name = outcome.check.target.name
                state = outcome.check.state
                done = outcome.detail if outcome.marked else APPLY_WORDS[state]
                line = f"{name} ({TARGET_LOOK[state].words}): {done}"
                if name in found:
                    expected, reads = found[name]
                    line += f"; it reads {reads.replace('_', ' ')}"
                    if reads != expected:
                        line += f" (expected {expected})"
                attention = outcome in result.needs_attention or (
                    name in found and found[name][0] != found[name][1]
                )
                parts += ["\n  ", Content.styled(line, "$text-warning" if attention else "")]
            for name in self.unset:
                line = f"{name} (not set): touch nothing: its URL is not set here"
                parts += ["\n  ", Content.styled(line, "$text-warning")]
        parts += [
            "\n\n",
            Content.styled("Next: ", "bold $text-accent"),
            f"commit {relative(result.migration.path, self.root)}",
        ]
        hints = [hint for hint in result.preview.hints if hint.line is not None]
        if hints:
            parts += [
                ", and add to schema.prisma ",
                "; ".join(f"{hint.placement}: {hint.line}" for hint in hints),
                " (otherwise the next `prisma migrate dev` undoes the hotfix)",
            ]
        parts.append(".")
        unpatched = [
            o.check.target.name for o in result.targets if o.check.state is TargetState.UNPATCHED
        ]
        if unpatched:
            parts.append(f" `mend deploy` applies it on {', '.join(unpatched)}.")
        parts += ["\n\n", Content.styled("enter: close the wizard.", "$text-muted")]
        return Content.assemble(*parts)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "done":
            return not self.busy
        return super().check_action(action, parameters)

    def action_done(self) -> None:
        self.answer(None)
