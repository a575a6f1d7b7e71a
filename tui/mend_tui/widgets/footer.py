"""The footer every screen shows: Textual's, rebuilt only when the keys it shows change.

Textual's Footer removes and mounts all its keys again each time the screen's bindings are
refreshed, and a step change refreshes them a dozen times (the screen resumes, focus moves, a
load starts and ends): a dozen rebuilds, each restyling every key, in the time the operator
waits for the step. This one rebuilds once per batch of refreshes, and only when what it would
show (keys, labels, which are enabled) differs from what it shows.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

# (key, how it is drawn, description, action, enabled, tooltip, group), in order.
Shown = tuple[tuple[object, ...], ...]


class KeysFooter(Footer):
    def __init__(self, *, compact: bool = True) -> None:
        super().__init__(compact=compact)
        self._shown: Shown | None = None
        self._pending = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def _keys_shown(self) -> Shown:
        """What compose would draw, to tell whether it changed."""
        app = self.app
        keys = tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                enabled,
                tooltip,
                binding.group,
                binding.show,
            )
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
        )
        return (*keys, (self.show_command_palette, app.ENABLE_COMMAND_PALETTE))


__all__ = ["KeysFooter"]
