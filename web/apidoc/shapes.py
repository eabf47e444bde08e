"""Builders of the answers' schemas (web/apidoc/answers.py, capacity_answers.py).

A record lists every key its view writes, all required and no other allowed, so that a key added
to a view without its schema fails the tests that check real answers against the document
(tests/system/test_openapi_document.py, tests/system/test_fuzz_openapi.py)."""
from __future__ import annotations

from web.apidoc.schemas import PAGE

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
ANY_OBJECT = {"type": "object", "description": "as Ceph (or the agent) reports it"}


def record(properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    """An object with exactly these keys, all but `optional` always present."""
    schema = {"type": "object", "properties": dict(properties), "additionalProperties": False}
    required = [name for name in properties if name not in optional]
    if required:
        schema["required"] = required
    return schema


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def mapping(values: dict) -> dict:
    """An object whose keys are data (ids, names), each value of one shape."""
    return {"type": "object", "additionalProperties": values}


def one_of_strings(*choices: str) -> dict:
    return {"type": "string", "enum": list(choices)}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(item: dict) -> dict:
    """The paging envelope (web/pagination.py envelope) of `item`s."""
    return {**PAGE, "additionalProperties": False,
            "properties": {**PAGE["properties"], "results": array(item)}}


def list_or_page_of(item: dict) -> dict:
    """A big list: the plain array, or its Page when `page`/`page_size` is given."""
    return {"anyOf": [array(item), page_of(item)]}
