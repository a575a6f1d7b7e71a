"""`@record` behaves as `@dataclass(frozen=True)`: compared with a dataclass of the same fields."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, asdict, dataclass, field, fields, replace
from functools import cached_property

import pytest

from mend_core.records import record


@record
class Point:
    """A record with defaults, a factory and a field left out of comparisons."""

    x: int
    y: int = 0
    tags: frozenset[str] = field(default_factory=frozenset)
    note: str = field(default="", compare=False, repr=False)

    @cached_property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


@dataclass(frozen=True)
class Reference:
    """The same fields as a frozen dataclass."""

    x: int
    y: int = 0
    tags: frozenset[str] = field(default_factory=frozenset)
    note: str = field(default="", compare=False, repr=False)


def test_made_compared_hashed_and_shown_as_a_frozen_dataclass() -> None:
    made = [Point(1), Point(1, 2), Point(x=1, y=2, tags=frozenset({"a"})), Point(1, note="n")]
    same = [
        Reference(1),
        Reference(1, 2),
        Reference(1, 2, frozenset({"a"})),
        Reference(1, note="n"),
    ]
    for point, reference in zip(made, same, strict=True):
        assert repr(point) == repr(reference).replace("Reference", "Point")
        assert asdict(point) == asdict(reference)
        assert hash(point) == hash(reference)
    assert Point(1, note="a") == Point(1, note="b")  # compare=False
    assert Point(1) != Point(2)
    assert Point(1) != Reference(1)
    assert [f.name for f in fields(Point)] == ["x", "y", "tags", "note"]
    assert Point.__match_args__ == ("x", "y", "tags", "note")


def test_frozen_replaced_and_pickled() -> None:
    point = Point(3, -4, frozenset({"t"}), "n")
    with pytest.raises(FrozenInstanceError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del point.y  # type: ignore[misc]
    assert point.norm == 7  # a cached property still caches (it writes the instance's dict)
    assert point == Point(3, -4, frozenset({"t"}))
    moved = replace(point, y=4)
    assert (moved.x, moved.y, moved.tags, moved.note) == (3, 4, frozenset({"t"}), "n")
    copied = pickle.loads(pickle.dumps(point))
    assert copied == point and copied.note == "n"
    match point:
        case Point(3, y):
            assert y == -4
        case _:
            pytest.fail("a record matches positionally")


def test_wrong_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="missing 1 required argument"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional arguments"):
        Point(1, 2, frozenset(), "", 5)  # type: ignore[call-arg]
    assert Point(1).tags is not Point(1, tags=frozenset({"a"})).tags


@record
class Bare:
    x: int
    y: str = ""


def test_a_record_without_a_docstring_is_described_by_its_fields() -> None:
    assert Bare.__doc__ == "Bare(x, y)"
    assert Bare(1) == Bare(1, "")


def test_a_class_a_record_would_change_is_refused():
    """`__post_init__` and `field(init=False)` are a dataclass's, not the shared __init__'s:
    refused when the class is made, not silently skipped."""
    with pytest.raises(TypeError, match="__post_init__"):

        @record
        class Checked:
            value: int

            def __post_init__(self) -> None:
                raise AssertionError("never called by the shared __init__")

    with pytest.raises(TypeError, match="init=False"):

        @record
        class Derived:
            value: int
            twice: int = field(init=False, default=0)
