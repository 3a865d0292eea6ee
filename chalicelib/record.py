"""`record`: the parser's value classes, written like dataclasses, without the `dataclasses` module.

`rebound parse` is judged as a whole process, start-up included, and importing `dataclasses`
(which imports `inspect`, `ast`, `dis` and `tokenize`) plus generating a dozen classes was about
15 ms of every run on this machine (`python -X importtime`). `record` covers what the parser
uses: fields in annotation order, defaults and `field(default=...)` / `field(default_factory=
...)` / `field(init=False)`, `__post_init__`, `__slots__`, and `__eq__`, `__hash__` (frozen
classes) and `__repr__` as dataclasses define them; `replace` builds a changed copy. Only
`__init__` is generated (one small `exec` per class); the rest read `__slots__`.

`frozen=True` is enforced by mypy (the decorator is a `dataclass_transform`), not at run time:
a frozen dataclass's `__init__` pays for `object.__setattr__` on every field, and Findings and
results are built many times per message.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda function: function


_NO_DEFAULT = object()


class _Field:
    __slots__ = ("default", "factory", "init")

    def __init__(self, default: object, factory: object, init: bool) -> None:
        self.default = default
        self.factory = factory
        self.init = init


def field(
    *,
    default: Any = _NO_DEFAULT,
    default_factory: Callable[[], Any] | None = None,
    init: bool = True,
) -> Any:
    """A field's default (or a factory called for each instance), or one left out of
    `__init__` (`init=False`, set by `__post_init__`)."""
    return _Field(default, default_factory, init)


@dataclass_transform(field_specifiers=(field,))
def record(*, frozen: bool = False) -> Callable[[type[T]], type[T]]:
    """The decorator: `@record()` or `@record(frozen=True)` on a class with annotated fields."""

    def build(cls: type[T]) -> type[T]:
        return _build(cls, frozen)

    return build


def _build(cls: type[T], frozen: bool) -> type[T]:
    names: list[str] = []
    init_names: list[str] = []
    params: list[str] = []
    body: list[str] = []
    scope: dict[str, object] = {"_NO_DEFAULT": _NO_DEFAULT}
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - no `inspect` here
    for name, annotation in annotations.items():
        if str(annotation).startswith("ClassVar"):
            continue
        names.append(name)
        value = cls.__dict__.get(name, _NO_DEFAULT)
        spec = value if isinstance(value, _Field) else _Field(value, None, True)
        if not spec.init:
            continue
        init_names.append(name)
        if spec.factory is not None:
            scope[f"_factory_{name}"] = spec.factory
            params.append(f"{name}=_NO_DEFAULT")
            body.append(f"self.{name} = _factory_{name}() if {name} is _NO_DEFAULT else {name}")
            continue
        if spec.default is _NO_DEFAULT:
            params.append(name)
        else:
            scope[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
        body.append(f"self.{name} = {name}")
    if "__post_init__" in cls.__dict__:
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, scope)  # noqa: S102 - our own generated __init__, as dataclasses does
    namespace = {
        key: value
        for key, value in cls.__dict__.items()
        if key not in names and key not in {"__dict__", "__weakref__"}
    }
    namespace["__slots__"] = tuple(names)
    namespace["__record_init__"] = tuple(init_names)
    namespace["__init__"] = scope["__init__"]
    namespace.setdefault("__repr__", _repr)
    namespace.setdefault("__eq__", _eq)
    # As dataclasses: a frozen class with __eq__ is hashable by its fields; a mutable one is not.
    namespace.setdefault("__hash__", _hash if frozen else None)
    built: type[T] = type(cls.__name__, cls.__bases__, namespace)
    built.__qualname__ = cls.__qualname__
    built.__init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return built


def _values(obj: object) -> tuple[object, ...]:
    return tuple(getattr(obj, name) for name in type(obj).__slots__)  # type: ignore[attr-defined]


def _repr(self: object) -> str:
    names = type(self).__slots__  # type: ignore[attr-defined]
    fields = ", ".join(f"{n}={getattr(self, n, None)!r}" for n in names)
    return f"{type(self).__qualname__}({fields})"


def _eq(self: object, other: object) -> bool:
    return other.__class__ is self.__class__ and _values(self) == _values(other)


def _hash(self: object) -> int:
    return hash(_values(self))


def replace(obj: T, **changes: object) -> T:
    """A copy of a record with some fields changed (as `dataclasses.replace`)."""
    names = type(obj).__record_init__  # type: ignore[attr-defined]
    values = {name: getattr(obj, name) for name in names}
    values.update(changes)
    return type(obj)(**values)
