"""The answers of a request's history (issue 20; actors/requests/history.py): `request/<id>`,
which adds what the request did to the list's fields, and `cluster/<fsid>/changes`."""
from __future__ import annotations

from actors.requests.history import COMPLETE, JOB_ANSWERED, JOB_SENT, MAP_SEEN, PGS_CREATED, SUBMITTED
from web.apidoc.shapes import INT, NUM, STR, array, mapping, nullable, one_of_strings, record

ANY = {"description": "a field's value as the API shows it, null where it does not exist"}
TIME = {"type": "string", "format": "date-time"}
OPTIONAL_STR = nullable(STR)
OPTIONAL_TIME = nullable(TIME)
DIFF = mapping({**array(ANY), "minItems": 2, "maxItems": 2,
                "description": "[before, after] of one field"})
COMMAND = record({"prefix": STR, "args": {"type": "object"},
                  "return_code": {**nullable(INT), "description": "0, or -errno; null until answered"},
                  "message": {**OPTIONAL_STR, "description": "Ceph's status text or error message"}})
PHASE = record({"phase": one_of_strings(SUBMITTED, JOB_SENT, JOB_ANSWERED, MAP_SEEN, PGS_CREATED,
                                        COMPLETE), "at": TIME})
HISTORY = {"requested_by": OPTIONAL_STR, "kind": STR, "changes": DIFF, "commands": array(COMMAND),
           "phases": array(PHASE), "reverts": OPTIONAL_STR, "reverted_by": OPTIONAL_STR}
CLUSTER_CHANGE = record({"request_id": STR, "headline": STR, "kind": STR,
                         "requested_by": OPTIONAL_STR, "changes": DIFF, "requested_at": TIME,
                         "completed_at": TIME, "duration_s": NUM})


def request_detail(request: dict) -> dict:
    """`request/<id>`: the list's Request record and the history."""
    return record({**request["properties"], **HISTORY})
