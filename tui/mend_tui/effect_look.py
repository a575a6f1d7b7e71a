"""What one statement of a migration left in the database, and how it is drawn: a glyph, or its
words with NO_COLOR or --ascii. Apart from presentation.py (which re-exports it) so that `mend
inspect`'s text (incident_text.py) draws effects without the status's modules."""

from __future__ import annotations

from enum import StrEnum

from mend_core.records import record


class Effect(StrEnum):
    """What one statement of a migration left in the database."""

    TOOK_EFFECT = "took_effect"
    FAILED = "failed"
    NOT_RUN = "not_run"
    PARTIALLY = "partially"
    CONFLICTING = "conflicting"
    DATA_STATEMENT = "data_statement"
    NO_SCHEMA_CHANGE = "no_schema_change"
    UNKNOWN = "unknown"

    @classmethod
    def named(cls, name: str) -> Effect:
        """An effect from its name; a name this version does not know is unknown."""
        try:
            return cls(name)
        except ValueError:
            return cls.UNKNOWN


@record
class EffectLook:
    glyph: str
    words: str  # shown instead of the glyph with NO_COLOR or --ascii
    style: str


EFFECT_LOOK: dict[Effect, EffectLook] = {
    Effect.TOOK_EFFECT: EffectLook("✓", "took effect", "$text-success"),
    Effect.FAILED: EffectLook("✗", "failed", "bold $text-error"),
    Effect.NOT_RUN: EffectLook("○", "not run", "$text-muted"),
    Effect.PARTIALLY: EffectLook("◐", "partially", "bold $text-warning"),
    Effect.CONFLICTING: EffectLook("≠", "conflicting", "bold $text-warning"),
    Effect.DATA_STATEMENT: EffectLook("≈", "data", "$text-accent"),
    Effect.NO_SCHEMA_CHANGE: EffectLook("·", "no change", "$text-muted"),
    Effect.UNKNOWN: EffectLook("?", "unknown", "$text-muted"),
}

EFFECT_WORDS_WIDTH = max(len(look.words) for look in EFFECT_LOOK.values())
