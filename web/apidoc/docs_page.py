"""The human docs page (`api/v2/docs`): the OpenAPI document rendered as one self-contained HTML
page, inline CSS only (no script, no CDN), so it works offline and under a strict CSP."""
from __future__ import annotations

from html import escape

VERBS = ("get", "post", "put", "patch", "delete")
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;width:100%}
td,th{border-top:1px solid #e4e4e4;padding:.35em .5em;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace;font-size:13px}
.verb{font-weight:bold;text-transform:uppercase;width:4.5em}
.get{color:#1a6}.post{color:#26c}.put,.patch{color:#b70}.delete{color:#c33}
.muted{color:#777}
"""


def render(doc: dict) -> str:
    info = doc["info"]
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(info['title'])}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(info['title'])} <span class=muted>{escape(info['version'])}</span></h1>",
        f"<p>{escape(info['description'])}</p>",
        f"<p>Machine-readable: <a href='{escape(doc['servers'][0]['url'])}/openapi.json'>"
        "<code>openapi.json</code></a> (OpenAPI "
        f"{escape(doc['openapi'])}). Paths are relative to <code>{escape(doc['servers'][0]['url'])}"
        "</code>. <span class=muted>\U0001F512 needs a session.</span></p>",
    ]
    for tag in doc.get("tags", []):
        rows = [_row(path, verb, op, item.get("parameters", []))
                for path, item in doc["paths"].items()
                for verb, op in item.items()
                if verb in VERBS and tag["name"] in op.get("tags", ())]
        if rows:
            parts.append(f"<h2>{escape(tag['name'])}</h2><p>{escape(tag['description'])}</p>"
                         "<table>" + "".join(rows) + "</table>")
    parts.append(_schemas(doc["components"]["schemas"]))
    parts.append("</body></html>")
    return "".join(parts)


def _row(path: str, verb: str, op: dict, path_params: list) -> str:
    lock = " \U0001F512" if op.get("security") else ""
    details = []
    if op.get("description"):
        details.append(escape(op["description"]))
    for where, params in (("path", path_params), ("query", op.get("parameters", []))):
        if params:
            details.append(f"{where}: " + ", ".join(_parameter_text(p) for p in params))
    body = op.get("requestBody")
    if body:
        details.append("body: " + "; ".join(
            f"{escape(media)} {_body_text(content['schema'])}"
            for media, content in body["content"].items()))
    codes = ", ".join(code for code in op["responses"] if code[0] in "23")
    details.append(f"<span class=muted>answers {escape(codes)}</span>")
    answer = _answer_schema(op["responses"])
    if answer:
        details.append(f"answer: {_body_text(answer)}")
    return (f"<tr><td class='verb {verb}'>{verb}</td><td><code>{escape(path)}</code>{lock}</td>"
            f"<td>{'<br>'.join(details)}</td></tr>")


def _answer_schema(responses: dict) -> dict | None:
    """The JSON schema of the operation's success answer (200 or 201), if it has a body."""
    for code in ("200", "201"):
        content = responses.get(code, {}).get("content", {})
        for media, described in content.items():
            if media == "application/json" and described.get("schema"):
                return described["schema"]
    return None


def _schemas(schemas: dict) -> str:
    """The named schemas the answers refer to, each with its fields (* always present)."""
    rows = "".join(f"<tr><td id='schema-{escape(name)}'><code>{escape(name)}</code></td>"
                   f"<td>{_body_text(schema)}</td></tr>" for name, schema in schemas.items())
    return ("<h2>Schemas</h2><p>What the answers hold; <code>*</code> marks the fields always "
            f"present.</p><table>{rows}</table>")


def _parameter_text(parameter: dict) -> str:
    schema = parameter["schema"]
    text = schema_text(schema) + (f" ({schema['format']})" if "format" in schema else "")
    return f"<code>{escape(parameter['name'])}</code> {escape(text)}"


def _body_text(schema: dict) -> str:
    if schema.get("type") == "array" and "properties" in schema.get("items", {}):
        return "a list of " + _body_text(schema["items"])
    if "properties" not in schema:
        return escape(schema_text(schema))
    if not schema["properties"]:
        return "{} (no fields)"
    required = set(schema.get("required", ()))
    return "{" + ", ".join(
        f"<code>{escape(name)}</code>{'*' if name in required else ''}: "
        f"{escape(schema_text(field))}" for name, field in schema["properties"].items()) + "}"


def schema_text(schema: dict) -> str:
    """A short reading of a schema: `integer 1..1000`, `one of a, b`, `list of string`, `Pool`."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("nullable"):
        return schema_text({k: v for k, v in schema.items() if k != "nullable"}) + " or null"
    if "anyOf" in schema:
        return " or ".join(schema_text(choice) for choice in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    kind = schema.get("type", "any")
    if schema.get("properties"):
        required = set(schema.get("required", ()))
        return "{" + ", ".join(f"{name}{'*' if name in required else ''}: {schema_text(field)}"
                               for name, field in schema["properties"].items()) + "}"
    if kind == "array":
        items = schema.get("items") or {}
        return "list" + (f" of {schema_text(items)}" if items else "")
    bounds = [schema.get("minimum"), schema.get("maximum")]
    if bounds != [None, None]:
        low, high = ("" if b is None else f"{b:g}" if isinstance(b, float) else str(b)
                     for b in bounds)
        return f"{kind} {low}..{high}"
    if "pattern" in schema:
        return f"{kind} matching {schema['pattern']}"
    return kind
