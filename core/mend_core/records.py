"""`@record`: a frozen dataclass whose methods are shared, not compiled for each class.

`@dataclass(frozen=True)` writes six methods per class as source text and compiles each one
(about 1 ms a class): the dozen record classes every `mend inspect` loads cost it more than
10 ms of start-up. A record is a dataclass (fields, `replace`, `asdict`, `fields`, pickling
and `match` work as for any dataclass) whose `__init__`, `__repr__`, `__eq__`, `__hash__`,
`__setattr__` and `__delattr__` are the shared ones below; they behave as a frozen dataclass's
(defaults, `field(default_factory=...)`, `field(compare=False)`, `field(repr=False)`). For
classes made few times each: the shared `__init__` is slower than a compiled one.
"""

from __future__ import annotations

from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """`cls` as a frozen dataclass with the shared methods."""
    if not cls.__doc__:
        # Else dataclass writes one from the signature of __init__, which it looks up the slow
        # way (object's, before the shared one is set: tokenized from its text signature).
        cls.__doc__ = f"{cls.__name__}({', '.join(cls.__annotations__)})"
    dataclass(init=False, repr=False, eq=False)(cls)
    own = fields(cls)  # type: ignore[arg-type]
    # The shared __init__ sets every field from its arguments and calls nothing after: a class
    # that needs more must stay a plain dataclass, not silently lose it.
    if hasattr(cls, "__post_init__") or any(not f.init for f in own):
        raise TypeError(f"{cls.__name__}: @record has no __post_init__ nor field(init=False)")
    names = tuple(f.name for f in own)
    defaults: dict[str, Any] = {}
    factories: dict[str, Any] = {}
    for f in own:
        if f.default is not MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not MISSING:
            factories[f.name] = f.default_factory
    type.__setattr__(cls, "_record_names", names)
    type.__setattr__(cls, "_record_defaults", defaults)
    type.__setattr__(cls, "_record_factories", factories)
    type.__setattr__(cls, "_record_compared", tuple(f.name for f in own if f.compare))
    hashed = tuple(f.name for f in own if (f.compare if f.hash is None else f.hash))
    type.__setattr__(cls, "_record_hashed", hashed)
    type.__setattr__(cls, "_record_shown", tuple(f.name for f in own if f.repr))
    for name, method in _METHODS.items():
        type.__setattr__(cls, name, method)
    return cls


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    names: tuple[str, ...] = self._record_names
    if len(args) > len(names):
        raise TypeError(
            f"{type(self).__name__}.__init__() takes {len(names) + 1} positional arguments "
            f"but {len(args) + 1} were given"
        )
    values = dict(zip(names, args, strict=False))
    for name, value in kwargs.items():
        if name in values:
            raise TypeError(
                f"{type(self).__name__}.__init__() got multiple values for argument {name!r}"
            )
        values[name] = value
    if len(values) != len(names) or len(kwargs):
        for name in kwargs:
            if name not in names:
                raise TypeError(
                    f"{type(self).__name__}.__init__() got an unexpected keyword argument {name!r}"
                )
        missing = []
        for name in names:
            if name in values:
                continue
            if name in self._record_defaults:
                values[name] = self._record_defaults[name]
            elif name in self._record_factories:
                values[name] = self._record_factories[name]()
            else:
                missing.append(name)
        if missing:
            raise TypeError(
                f"{type(self).__name__}.__init__() missing {len(missing)} required "
                f"argument(s): {', '.join(repr(m) for m in missing)}"
            )
        values = {name: values[name] for name in names}  # the fields' order, as a dataclass's
    object.__setattr__(self, "__dict__", values)


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        names = self._record_compared
        return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, name) for name in self._record_hashed))


def _setattr(self: Any, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


_METHODS = {
    "__init__": _init,
    "__repr__": _repr,
    "__eq__": _eq,
    "__hash__": _hash,
    "__setattr__": _setattr,
    "__delattr__": _delattr,
}
