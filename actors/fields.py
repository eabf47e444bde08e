"""Typed validation of request bodies, shared by every command builder.

The web layer hands builders the raw JSON body. A resource declares its fields once
(`{"pg_num": integer(minimum=1), ...}`) and `check()` converts them, enforcing per verb which
fields are allowed and required. Every problem is collected into one `Invalid` whose `errors`
map each field to a list of messages; builders then add their semantic errors to an `Errors`
collector, which raises `Conflict` when one of them says so and `Invalid` otherwise.

Conversions: integers accept ints and decimal strings ("64"), never bools or floats; numbers
accept ints, floats and decimal strings, never bools, NaN or infinities; booleans must be JSON
booleans; null is a value only of a field declared nullable.

A `Body` bundles one write's fields with those it requires and allows. The builder checks
against it and the OpenAPI document (web/apidoc/openapi.py) describes it, so the published schema
cannot drift from what is enforced.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from actors.errors import Conflict, Invalid

# Bounds of Ceph's own integer types: a larger value is a 400 here rather than a request that
# fails in Ceph (or an integer msgpack cannot carry to the agent).
INT32_MIN, INT32_MAX = -2**31, 2**31 - 1
UINT64_MAX = 2**64 - 1

INT = "int"
NUMBER = "number"
BOOL = "bool"
STRING = "string"
LIST = "list"
OBJECT = "object"
EITHER = "either"

_INT_TEXT = re.compile(r"\s*[+-]?\d+\s*")
_NUMBER_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
CRUSH_NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Field:
    kind: str                          # INT, NUMBER, BOOL, STRING, LIST, OBJECT or EITHER
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()                # STRING: the accepted values; EITHER: the Fields tried
    blank: bool = False                # STRING: "" accepted
    crush_name: bool = False           # STRING: a CRUSH item name ([A-Za-z0-9_.-]+)
    name: bool = False                 # STRING: a name people read: printable (name_problem)
    max_length: int | None = None      # STRING: at most this many characters
    nullable: bool = False             # null is accepted (as "not given")
    of: "Field | Body | None" = None   # LIST: a Field converts each element; a Body only
                                       # documents records the builder checks with check_record


@dataclass(frozen=True)
class Body:
    """One JSON object a write accepts: its fields, those required, those allowed (default all)."""
    fields: Mapping[str, Field]
    required: tuple[str, ...] = ()
    allowed: tuple[str, ...] | None = None

    def allowed_fields(self) -> dict[str, Field]:
        names = self.fields if self.allowed is None else self.allowed
        return {name: self.fields[name] for name in names}

    def check(self, body, method: str) -> dict:
        return check(body, self.fields, method, self.allowed, self.required)


def integer(minimum: int | None = None, maximum: int | None = None) -> Field:
    return Field(INT, minimum, maximum)


def number(minimum: float | None = None, maximum: float | None = None, *,
           nullable: bool = False) -> Field:
    return Field(NUMBER, minimum, maximum, nullable=nullable)


def boolean() -> Field:
    return Field(BOOL)


def string(*choices: str, blank: bool = False, crush_name: bool = False,
           max_length: int | None = None, name: bool = False) -> Field:
    return Field(STRING, choices=choices, blank=blank, crush_name=crush_name,
                 max_length=max_length, name=name)


# What a name may not contain, by Unicode general category: control characters (NUL ends a C
# string, a newline forges a log line, ESC drives terminals), format characters (bidi controls
# such as U+202E show "exe.txt" for "txt.exe"; zero-width ones make two names look alike),
# surrogates, private use, and separators but the ASCII space; all in the Basic Multilingual
# Plane, where every one of those that matters lives. Beyond it (tags, a few musical and
# hieroglyph format controls, private-use planes) nothing is refused, and neither are unassigned
# code points: the published pattern (name_pattern) must say exactly what is checked, and no
# escape for a code point past U+FFFF reads alike in Python, ECMAScript and jsonschema-rs.
NAME_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp", "Zs"})


def _refused_in_name(char: str) -> bool:
    return (char != " " and ord(char) <= 0xFFFF
            and unicodedata.category(char) in NAME_REFUSED_CATEGORIES)


def name_problem(text: str) -> str | None:
    """Why `text` cannot be a name (shown in lists, events, logs and terminals), or None."""
    bad = next((c for c in text if _refused_in_name(c)), None)
    if bad is None:
        return None
    return f"Must not contain control, format or separator characters (found U+{ord(bad):04X})."


@functools.lru_cache(maxsize=1)
def name_pattern() -> str:
    """name_problem as a regular expression for the OpenAPI document, so the published schema
    and the check agree: a class of every refused code point (about 20 ranges). Surrogates are
    left out, though the check refuses them: regex engines over UTF-8 (jsonschema-rs) refuse
    them in a pattern, and no UTF-8 text holds one (a JSON "\\ud800" escape can)."""
    ranges, start = [], None
    for cp in range(0x10001):
        bad = cp <= 0xFFFF and not 0xD800 <= cp <= 0xDFFF and _refused_in_name(chr(cp))
        if bad and start is None:
            start = cp
        elif not bad and start is not None:
            ranges.append(_class_char(start) if start == cp - 1
                          else f"{_class_char(start)}-{_class_char(cp - 1)}")
            start = None
    return f"^[^{''.join(ranges)}]*$"


def _class_char(cp: int) -> str:
    return f"\\u{cp:04x}"     # read alike by Python's re, ECMAScript and jsonschema-rs


def array(of: "Field | Body | None" = None) -> Field:
    return Field(LIST, of=of)


def mapping() -> Field:
    """Any JSON object (free-form arguments)."""
    return Field(OBJECT)


def either(*fields: Field) -> Field:
    """The first of `fields` that converts the value, e.g. a string or a list of strings."""
    return Field(EITHER, choices=fields)


def convert(field: Field, value):
    """The value as the field's Python type; ValueError(message) when it is not one."""
    if value is None:
        if field.nullable:
            return None
        raise ValueError("This field may not be null.")
    if field.kind == INT:
        result = _to_int(value)
    elif field.kind == NUMBER:
        result = _to_number(value)
    elif field.kind == BOOL:
        if not isinstance(value, bool):
            raise ValueError("Must be a boolean (true or false).")
        return value
    elif field.kind == STRING:
        return _to_string(field, value)
    elif field.kind == LIST:
        return _to_list(field, value)
    elif field.kind == OBJECT:
        if not isinstance(value, dict):
            raise ValueError("Must be an object.")
        return value
    elif field.kind == EITHER:
        return _to_either(field, value)
    else:
        raise AssertionError(f"unknown field kind {field.kind!r}")
    if field.minimum is not None and result < field.minimum:
        raise ValueError(f"Ensure this value is greater than or equal to {field.minimum}.")
    if field.maximum is not None and result > field.maximum:
        raise ValueError(f"Ensure this value is less than or equal to {field.maximum}.")
    return result


def _to_int(value) -> int:
    if isinstance(value, bool):
        raise ValueError("Enter a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        return int(value)
    raise ValueError("Enter a whole number.")


def _to_number(value) -> float:
    if isinstance(value, bool):
        raise ValueError("Enter a number.")
    if not isinstance(value, (int, float)) and not (
            isinstance(value, str) and _NUMBER_TEXT.fullmatch(value)):
        raise ValueError("Enter a number.")
    try:
        result = float(value)
    except OverflowError:           # an integer beyond any float, e.g. 10**400
        raise ValueError("Enter a number within the range of a double.") from None
    if not math.isfinite(result):
        raise ValueError("Enter a number.")
    return result


def _to_list(field: Field, value) -> list:
    if not isinstance(value, list):
        raise ValueError("Must be a list.")
    if not isinstance(field.of, Field):
        return value
    converted = []
    for index, element in enumerate(value):
        try:
            converted.append(convert(field.of, element))
        except ValueError as exc:
            raise ValueError(f"Item {index}: {exc}") from None
    return converted


def _to_either(field: Field, value):
    for choice in field.choices:
        try:
            return convert(choice, value)
        except ValueError:
            continue
    raise ValueError("Must be " + " or ".join(describe(choice) for choice in field.choices) + ".")


_KIND_NAMES = {INT: "a whole number", NUMBER: "a number", BOOL: "a boolean", STRING: "a string",
               OBJECT: "an object"}


def describe(field: Field) -> str:
    """'a string', 'a list of strings', ... for messages."""
    if field.kind == LIST:
        if isinstance(field.of, Field):
            return "a list of " + describe(field.of).split(" ", 1)[1] + "s"
        return "a list"
    if field.kind == EITHER:
        return " or ".join(describe(choice) for choice in field.choices)
    return _KIND_NAMES[field.kind]


def _to_string(field: Field, value) -> str:
    if not isinstance(value, str):
        raise ValueError("Must be a string.")
    if value == "" and not field.blank:
        raise ValueError("This field may not be blank.")
    if field.choices and value not in field.choices:
        raise ValueError("Must be one of: " + ", ".join(field.choices) + ".")
    if field.max_length is not None and len(value) > field.max_length:
        raise ValueError(f"Ensure this field has no more than {field.max_length} characters.")
    if field.crush_name and not CRUSH_NAME.fullmatch(value):
        raise ValueError("Must contain only letters, digits, '_', '-' and '.'.")
    if field.name and (problem := name_problem(value)) is not None:
        raise ValueError(problem)
    return value


class Errors:
    """Field errors collected across checks; `raise_if_any` raises them all at once."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}
        self._conflict = False

    def add(self, field: str, message: str, *, conflict: bool = False) -> None:
        """Record a message; `conflict` makes the whole answer a 409 instead of a 400."""
        self.by_field.setdefault(field, []).append(message)
        self._conflict = self._conflict or conflict

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def raise_if_any(self) -> None:
        if not self.by_field:
            return
        detail = "; ".join(f"{field}: {message}" for field, messages in self.by_field.items()
                           for message in messages)
        errors = {field: list(messages) for field, messages in self.by_field.items()}
        raise (Conflict if self._conflict else Invalid)(detail, errors)


def require_object(body) -> Mapping:
    if not isinstance(body, Mapping):
        raise Invalid("The request body must be a JSON object")
    return body


def check(body, fields: Mapping[str, Field], method: str,
          allowed: Collection[str] | None = None, required: Collection[str] = ()) -> dict:
    """The converted values of `body`, or Invalid naming every bad, unknown or missing field.

    `allowed` defaults to every declared field; a declared field outside it, or an undeclared
    one, is "Not allowed during <method>".
    """
    body = require_object(body)
    allowed = fields.keys() if allowed is None else allowed
    errors = Errors()
    values = {}
    for name, value in body.items():
        if name not in allowed or name not in fields:
            errors.add(str(name), f"Not allowed during {method}")
            continue
        try:
            values[name] = convert(fields[name], value)
        except ValueError as exc:
            errors.add(name, str(exc))
    for name in required:
        if name not in body:
            errors.add(name, f"Required during {method}")
    errors.raise_if_any()
    return values


def check_record(record, fields: Mapping[str, Field], required: Collection[str] = ()
                 ) -> tuple[dict, list[str]]:
    """A nested object (a CRUSH item, a rule step): (converted values, problems as text)."""
    if not isinstance(record, Mapping):
        return {}, ["must be an object"]
    problems = []
    values = {}
    for name, value in record.items():
        if name not in fields:
            problems.append(f"unexpected key {name!r}")
            continue
        try:
            values[name] = convert(fields[name], value)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    problems.extend(f"{name}: required" for name in required if name not in record)
    return values, problems


def changes_text(changes: Mapping) -> str:
    """`k=v, …` with sorted keys, for headlines."""
    return ", ".join(f"{key}={changes[key]}" for key in sorted(changes))
