"""Keeping Python's garbage collector out of the moments the operator waits for.

The app holds some 100,000 long-lived objects once its modules are loaded (Textual, SQLAlchemy,
pygments, the wizards), and a wizard's steps add tens of thousands more. A full collection walks
every one of them: on a loaded machine that is 100 to 300 ms, and it falls, by the count of
objects made, inside a step change or the first frame. So, in the real command:

- until the first frame is drawn, the collector rests (what starting makes lives on anyway);
- what is loaded by then, and once the wizards' modules are imported ahead, is frozen
  (`gc.freeze`: moved where collections do not look);
- while a wizard is open, what the steps so far made is frozen at each step change, so that a
  collection during the change walks only what the change makes;
- when the wizard closes, it is all unfrozen and collected once, then frozen again: what the
  closed steps left is freed.

Tests make many apps in one process: there the collector is left alone (`active` False).
"""

from __future__ import annotations

import gc


class Collector:
    def __init__(self, *, active: bool) -> None:
        self.active = active

    def rest_until_drawn(self) -> None:
        if self.active:
            gc.disable()

    def drawn(self) -> None:
        """The first frame is on screen: collect again, without walking what is loaded."""
        if self.active:
            gc.freeze()
            gc.enable()

    def freeze(self) -> None:
        """What exists now stays: later collections do not walk it."""
        if self.active:
            gc.freeze()

    def release(self) -> None:
        """Free what frozen objects were left unused (a closed wizard's steps)."""
        if self.active:
            gc.unfreeze()
            gc.collect()
            gc.freeze()


__all__ = ["Collector"]
