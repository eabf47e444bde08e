"""JSON Schemas for the OpenAPI document, converted from what the server enforces: route regexes
(path parameters), Fields and Bodies (actors/fields.py: query parameters and request
bodies), the fixed answer shapes (the error shape, 202 {"request_id"}, the pagination
envelope)."""
from __future__ import annotations

import re

from actors.fields import (
    BOOL, CRUSH_NAME, EITHER, INT, LIST, NUMBER, OBJECT, STRING, Body, Field, name_pattern)

ERROR = {
    "type": "object",
    "required": ["detail", "errors"],
    "additionalProperties": False,
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object",
                   "description": "field or parameter name -> messages",
                   "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}
REQUEST_ID = {"type": "object", "required": ["request_id"],
              "properties": {"request_id": {"type": "string"}}}
PAGE = {
    "type": "object",
    "required": ["count", "next", "previous", "results"],
    "properties": {"count": {"type": "integer", "minimum": 0},
                   "next": {"type": "string", "nullable": True},
                   "previous": {"type": "string", "nullable": True},
                   "results": {"type": "array", "items": {}}},
}
# Regexes of the route table with a plain JSON meaning; any other is a string of that pattern.
_REGEX_TYPES = {r"\d+": {"type": "integer", "minimum": 0}, r"-?\d+": {"type": "integer"}}
_LITERAL = re.compile(r"[A-Za-z0-9_.-]+")


def regex_schema(regex: str) -> dict:
    """The schema of a path parameter matched by `regex` (alternatives become anyOf)."""
    schemas = [_alternative_schema(part) for part in split_alternatives(regex)]
    return schemas[0] if len(schemas) == 1 else {"anyOf": schemas}


def _alternative_schema(regex: str) -> dict:
    if regex in _REGEX_TYPES:
        return dict(_REGEX_TYPES[regex])
    if _LITERAL.fullmatch(regex):
        return {"type": "string", "enum": [regex]}
    return {"type": "string", "pattern": f"^(?:{regex})$"}


def split_alternatives(regex: str) -> list[str]:
    """`a|b(c|d)` -> ["a", "b(c|d)"]: split at top-level bars only."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(regex):
        char = regex[index]
        if char == "\\":
            index += 2
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(regex[start:index])
            start = index + 1
        index += 1
    return parts + [regex[start:]]


def field_schema(field: Field) -> dict:
    schema = _kind_schema(field)
    if field.nullable:
        schema["nullable"] = True
    return schema


def _kind_schema(field: Field) -> dict:
    if field.kind in (INT, NUMBER):
        schema = {"type": "integer" if field.kind == INT else "number"}
        if field.minimum is not None:
            schema["minimum"] = field.minimum
        if field.maximum is not None:
            schema["maximum"] = field.maximum
        return schema
    if field.kind == BOOL:
        return {"type": "boolean"}
    if field.kind == STRING:
        return _string_schema(field)
    if field.kind == LIST:
        items = (field_schema(field.of) if isinstance(field.of, Field)
                 else body_schema(field.of) if isinstance(field.of, Body) else {})
        return {"type": "array", "items": items}
    if field.kind == OBJECT:
        return {"type": "object"}
    if field.kind == EITHER:
        return {"anyOf": [field_schema(choice) for choice in field.choices]}
    raise AssertionError(f"no schema for field kind {field.kind!r}")


def _string_schema(field: Field) -> dict:
    schema: dict = {"type": "string"}
    if field.choices:
        schema["enum"] = list(field.choices)
    elif not field.blank:
        schema["minLength"] = 1
    if field.max_length is not None:
        schema["maxLength"] = field.max_length
    if field.crush_name:
        schema["pattern"] = f"^{CRUSH_NAME.pattern}$"
    elif field.name:
        schema["pattern"] = name_pattern()
    return schema


def body_schema(body: Body) -> dict:
    schema = {"type": "object",
              "properties": {name: field_schema(field)
                             for name, field in body.allowed_fields().items()},
              "additionalProperties": False}
    if body.required:
        schema["required"] = list(body.required)
    return schema
