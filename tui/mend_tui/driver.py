"""The terminal driver: Textual's Linux driver, whose input thread wakes up when a lone escape is
due instead of up to 100 ms later.

A terminal sends the escape key as the byte that also starts every key sequence (arrows, F-keys),
so Textual tells the two apart by waiting ESCDELAY (100 ms by default) for more bytes. Its input
thread only looks at that deadline when `select` returns, though: on input, or every 100 ms. An
escape with nothing after it so came up to 100 ms after its deadline, later than any other key:
every step back in the wizards (escape) took 80 ms more than a step on (enter). This thread
waits no longer than the deadline; everything else is Textual's own loop, unchanged.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

IDLE_WAIT = 0.1  # Textual's: how long the thread sleeps in select() with nothing due


def next_wait(parser: XTermParser, now: float) -> float:
    """How long the input thread may wait for bytes: until the parser's escape deadline, if one
    is pending (a lone escape is sent then), else Textual's idle wait."""
    # (Textual's parser keeps the deadline in a private attribute: without it, Textual's wait.)
    due: float | None = getattr(parser, "_timeout_time", None)
    if due is None:
        return IDLE_WAIT
    return min(IDLE_WAIT, max(0.0, due - now))


# The SHA-256 of Textual's LinuxDriver.run_input_thread source this copies (textual==8.2.8): a
# test fails when an upgrade changes it, so the copy is read again against the new one.
COPIED_FROM = "d796af6d69db337d6fa6bd463984f7d17188d991dbb22f60efb92a8a9619507c"


class PromptEscapeDriver(LinuxDriver):
    def run_input_thread(self) -> None:
        """Textual's LinuxDriver.run_input_thread, with `next_wait` for its fixed 0.1 s."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def process(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (_key, mask) in loop_last(ready):
                if mask & selectors.EVENT_READ:
                    text = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not text:  # stdin piped, and at its end
                        break
                    for event in parser.feed(text):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(next_wait(parser, get_time())))
            selector.unregister(fileno)
            process(selector.select(IDLE_WAIT), final=True)
        finally:
            selector.close()
            try:  # (as Textual's: the parser's end)
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
