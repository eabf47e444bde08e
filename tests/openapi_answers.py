"""Checking an answer against what the OpenAPI document says it is (OpenAPI 3.0 schemas, with
their `nullable`, validated by openapi-schema-validator)."""
from __future__ import annotations

from openapi_schema_validator import OAS30Validator


def inlined(schema, schemas: dict):
    """`schema` with every components/schemas $ref replaced by its target (none is recursive)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return inlined(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
        return {key: inlined(value, schemas) for key, value in schema.items()}
    if isinstance(schema, list):
        return [inlined(value, schemas) for value in schema]
    return schema


def response_schema(doc: dict, template: str, verb: str, status: int) -> dict:
    """The JSON schema of that answer: its own status's, else its class's (4XX), inlined."""
    responses = doc["paths"][template][verb]["responses"]
    answer = responses.get(str(status)) or responses[f"{str(status)[0]}XX"]
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    return inlined(answer["content"]["application/json"]["schema"], doc["components"]["schemas"])


def conformance_errors(doc: dict, template: str, verb: str, status: int, body) -> list[str]:
    """What is wrong with `body` as the answer `status` of `verb template`, one line each."""
    validator = OAS30Validator(response_schema(doc, template, verb, status))
    return [f"{verb.upper()} {template} -> {status}: {'/'.join(map(str, error.absolute_path))}: "
            f"{error.message[:300]}" for error in validator.iter_errors(body)]


def conforms(schema: dict, body, schemas: dict) -> bool:
    return OAS30Validator(inlined(schema, schemas)).is_valid(body)
