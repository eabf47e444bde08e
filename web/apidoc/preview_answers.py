"""The `?dry_run=1` preview of a write (actors/requests/previews.py) and the write options every
previewable write takes (actors/change_options.py), for the OpenAPI document."""
from __future__ import annotations

from actors.change_options import PARAMETERS
from web.apidoc.shapes import ANY_OBJECT, BOOL, INT, NUM, STR, array, mapping, nullable, one_of_strings, record

BEFORE_AFTER = {"type": "array", "minItems": 2, "maxItems": 2,
                "description": "[before, after]: null before for what the change creates, null after for "
                               "what it deletes"}
CHECK = record({
    "check": one_of_strings("ok-to-stop", "safe-to-destroy", "data-at-stake"),
    "ok": nullable(BOOL), "message": STR, "osds": array(INT), "pool": STR,
    "pgs_degraded": nullable(INT), "pgs_offline": nullable(INT),
    "stored_bytes": nullable(NUM), "objects": nullable(NUM),
}, optional=("osds", "pool", "pgs_degraded", "pgs_offline", "stored_bytes", "objects"))
PREVIEW = record({
    "commands": array({**ANY_OBJECT, "description": "a Ceph command: {prefix, ...arguments}, in the "
                                                    "order the real call sends them"}),
    "changes": mapping(BEFORE_AFTER),
    # a PG growth's goals, block by block; a debug job's one job on its server's agent
    "steps": array(record({"pg_num": INT, "pgp_num": INT, "job": STR, "args": ANY_OBJECT, "server": STR},
                          optional=("pg_num", "pgp_num", "job", "args", "server"))),
    "warnings": array(STR),
    "checks": array(CHECK),
})
COMPONENTS = {"ChangePreview": PREVIEW}

_DOCS = {
    "dry_run": "1/true: plan the change and answer 200 with its preview (the Ceph commands, the "
               "fields it changes, its steps, warnings and Ceph's own safety checks); nothing is "
               "submitted. Validation answers as the real call would (400/404/409, 304 for a no-op).",
    "force": "1/true: go ahead although a cluster guardrail refuses the change (the override is "
             "audited).",
}
WRITE_OPTIONS = [{"name": name, "in": "query", "required": False, "description": _DOCS[name],
                  "schema": {"type": "string", "enum": ["1", "true", "0", "false"]}} for name in PARAMETERS]
PREVIEW_ANSWER = {"description": "the preview of a dry run (?dry_run=1): nothing was submitted",
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangePreview"}}}}
