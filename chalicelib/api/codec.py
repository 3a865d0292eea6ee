"""Turning what a client sent into a typed request, and a typed response into JSON.

Bodies are decoded from the raw bytes (never with `json.loads`, whose recursion limit turns a
deeply nested body into a 500): msgspec validates while it decodes and stops at the first value
of the wrong type, so a body nested 100,000 deep costs nothing. Query strings are strings:
lists are comma-separated, numbers, booleans and dates are converted by the same types.
Every failure is a `BadRequest` (or `PayloadTooLarge`) whose message names the field and says
what was expected.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import msgspec

from chalicelib.errors import BadRequest, PayloadTooLarge

T = TypeVar("T")

MAX_BODY_BYTES = 1_048_576  # far above any valid request (10,000 addresses is ~0.4 MB)
_PLAIN = {
    "Invalid RFC3339 encoded date": "expected a date as YYYY-MM-DD",
    "Invalid RFC3339 encoded datetime": "expected a time as YYYY-MM-DDTHH:MM:SSZ",
}
_PATH = re.compile(r" - at `\$\.?([^`]*)`$")


def decode_body(raw: bytes | None, model: type[T]) -> T:
    """A JSON body as `model`, or a 400/413 that says what to fix."""
    if not raw:
        raise BadRequest(f"send a JSON object ({_example(model)})")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are read")
    try:
        return typing.cast(T, _decoder(typing.cast(Any, model)).decode(raw))
    except msgspec.ValidationError as error:
        raise BadRequest(_message(error, model)) from None
    except msgspec.DecodeError as error:
        raise BadRequest(f"the body is not valid UTF-8 JSON ({error})") from None


def decode_query(params: Mapping[str, str] | None, model: type[T]) -> T:
    """Query parameters as `model`: unknown names are refused, lists are comma-separated, and
    an empty value is a value (`?last_to=` is not a date: 400, as the document says)."""
    data: dict[str, Any] = {}
    lists = _list_fields(typing.cast(Any, model))
    for name, value in (params or {}).items():
        text = value.strip()
        if name in lists:
            data[name] = [part.strip().lower() for part in text.split(",") if part.strip()]
        else:
            data[name] = text
    try:
        return msgspec.convert(data, model, strict=False)
    except msgspec.ValidationError as error:
        raise BadRequest(_message(error, model, query=True)) from None


def convert(data: Any, model: type[T]) -> T:
    """Already-decoded JSON (e.g. stored with a job) as `model`; a 400 when it does not fit."""
    try:
        return msgspec.convert(data, model, strict=False)
    except msgspec.ValidationError as error:
        raise BadRequest(_message(error, model)) from None


def encode(value: Any) -> bytes:
    return _ENCODER.encode(value)


_ENCODER = msgspec.json.Encoder()


@cache
def _decoder(model: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(model)


@cache
def _list_fields(model: Any) -> frozenset[str]:
    hints = typing.get_type_hints(model, include_extras=True)
    return frozenset(name for name, hint in hints.items() if _is_list(hint))


def _is_list(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _is_list(typing.get_args(hint)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(hint))
    return origin is list


def _message(error: msgspec.ValidationError, model: type[Any], query: bool = False) -> str:
    """msgspec's message with the field named first and, for a choice, the choices."""
    text = str(error)
    found = _PATH.search(text)
    path = found.group(1) if found else ""
    what = text[: found.start()] if found else text
    if what.startswith("Object contains unknown field"):
        name = what.split("`")[1] if "`" in what else "?"
        kind = "query parameter" if query else "field"
        where = f" in {path}" if path else ""
        allowed = ", ".join(_field_names(_nested(model, path)))
        return f"unknown {kind} {name!r}{where}; allowed: {allowed}"
    what = _PLAIN.get(what, what)
    if what.startswith("Object missing required field"):
        name = what.split("`")[1] if "`" in what else "?"
        where = f" in {path}" if path else ""
        return f"missing required field {name!r}{where}; send {_example(_nested(model, path))}"
    if not path:
        return f"{what}; send {_example(model)}"
    parent, _, leaf = path.rpartition(".")
    choices = _choices(_nested(model, parent), leaf.split("[")[0])
    hint = f"; one of: {', '.join(choices)}" if choices and "enum" in what.lower() else ""
    return f"{path}: {what[0].lower()}{what[1:]}{hint}"


def _nested(model: type[Any], path: str) -> type[Any]:
    """The Struct type at a dotted path of `model` (for the names allowed there)."""
    current: Any = model
    for part in filter(None, path.split(".")):
        hints = typing.get_type_hints(current, include_extras=True)
        structs = [t for t in _members(hints.get(part.split("[")[0])) if _is_struct(t)]
        if not structs:
            break
        current = structs[0]
    return typing.cast(type[Any], current)


def _members(hint: Any) -> list[Any]:
    if hint is None:
        return []
    args = typing.get_args(hint)
    if not args:
        return [hint]
    return [m for arg in args for m in _members(arg)]


def _is_struct(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, msgspec.Struct)


def _field_names(model: type[Any]) -> list[str]:
    return [f.encode_name for f in msgspec.structs.fields(model)]


def _choices(model: type[Any], name: str) -> list[str]:
    hints = typing.get_type_hints(model, include_extras=True)
    return sorted(_enum_values(hints[name])) if name in hints else []


def _enum_values(hint: Any) -> set[str]:
    if isinstance(hint, type) and issubclass(hint, Enum):
        return {str(member.value) for member in hint}
    if typing.get_origin(hint) is typing.Literal:
        return {str(arg) for arg in typing.get_args(hint)}
    values: set[str] = set()
    for arg in typing.get_args(hint):
        values |= _enum_values(arg)
    return values


def _example(model: type[Any]) -> str:
    names = ", ".join(_field_names(model))
    return f"a JSON object with the fields {names}"
