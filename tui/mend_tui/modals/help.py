"""The help: a compact key list that fits 80x24, read from help.md (kept beside the app so
that it reads as Markdown on its own), with the glyph legend of the terminal it runs in.

Its keys are those of where the operator is: in a wizard, that wizard's (the `Recover: ...` or
`Hotfix: ...` sections); elsewhere, the rest. `Everywhere` is in all."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from mend_tui.presentation import EFFECT_LOOK, Effect, Look, legend

# `- `a` `b` Words` or `- `1`-`6` Words`: keys in backticks, then what they do.
_ITEM = re.compile(r"^- ((?:`[^`]+`[ -]?)+)\s*(.*)$")
KEY_WIDTH = 7
# The sections of each wizard's help begin with its name.
WIZARD_SECTIONS = {"recover": "Recover", "hotfix": "Hotfix"}


@dataclass
class Section:
    title: str
    items: list[tuple[str, str]] = field(default_factory=list)  # (keys, what they do)


@dataclass
class HelpText:
    title: str = ""
    intro: str = ""
    sections: list[Section] = field(default_factory=list)


def parse_help(markdown: str) -> HelpText:
    """The title (`#`), the first paragraph, and each `##` section's key list."""
    help_text = HelpText()
    for line in markdown.splitlines():
        if line.startswith("## "):
            help_text.sections.append(Section(line[3:].strip()))
        elif line.startswith("# "):
            help_text.title = line[2:].strip()
        elif (item := _ITEM.match(line)) and help_text.sections:
            keys = item.group(1).strip().replace("`", "")
            help_text.sections[-1].items.append((keys, item.group(2).strip()))
        elif line.strip() and not help_text.sections:
            help_text.intro = f"{help_text.intro} {line.strip()}".strip()
    return help_text


@cache
def load_help() -> HelpText:
    return parse_help(files("mend_tui").joinpath("help.md").read_text(encoding="utf-8"))


def section_content(section: Section) -> Content:
    lines: list[Content | str] = [Content.styled(section.title, "bold $text-accent")]
    for keys, words in section.items:
        lines += ["\n", Content.styled(f"{keys:<{KEY_WIDTH}}", "bold"), f" {words}"]
    return Content.assemble(*lines)


def legend_lines(look: Look) -> list[str]:
    """What the marks mean, in three lines of at most 76 characters."""
    states = " ".join(f"{mark} {words}" for mark, words in legend(look))
    if look.words:
        return [f"States: {states}", "SQL: what each statement left is spelled out beside it."]
    effects = [f"{EFFECT_LOOK[e].glyph} {EFFECT_LOOK[e].words}" for e in Effect]
    return [f"States: {states}", "SQL: " + " ".join(effects[:4]), "     " + " ".join(effects[4:])]


class HelpModal(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding("escape,q,enter,question_mark,f1", "dismiss", "Close"),
        Binding("down,j", "scroll(1)", "Down", show=False),
        Binding("up,k", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, look: Look, *, wizard: str | None = None) -> None:
        """`wizard`: the wizard open ("recover", "hotfix"), whose keys are shown; None: the
        dashboard's and the history's."""
        super().__init__()
        self.look = look
        self.help = load_help()
        own = WIZARD_SECTIONS.get(wizard or "")
        self.sections = [
            section
            for section in self.help.sections
            if section.title == "Everywhere"
            or (
                section.title.startswith(own)
                if own
                else not section.title.startswith(tuple(WIZARD_SECTIONS.values()))
            )
        ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog") as dialog:
            dialog.border_title = self.help.title
            dialog.border_subtitle = "esc close"
            yield Static(self.help.intro, id="intro")
            with Horizontal(id="columns"):
                for column in self.columns():
                    with Vertical(classes="column"):
                        for section in column:
                            yield Static(section_content(section), classes="section")
            yield Static("\n".join(legend_lines(self.look)), id="legend", markup=False)

    def columns(self) -> list[list[Section]]:
        """The sections in two columns of about equal height, in reading order."""
        sections = self.sections
        heights = [len(s.items) + 2 for s in sections]
        half, running, split = sum(heights) / 2, 0, len(sections)
        for index, height in enumerate(heights):
            if running + height / 2 > half:
                split = index
                break
            running += height
        return [sections[:split], sections[split:]]

    def action_scroll(self, step: int) -> None:
        self.query_one("#dialog", VerticalScroll).scroll_relative(y=step, animate=False)
