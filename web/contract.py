"""What a resource handler declares about its verbs, read by the OpenAPI document (web/apidoc/openapi.py).

    class PoolListHandler(BaseHandler):
        query = {...}                                  # GET's query parameters: name -> Field
        writes = {"post": Write(POOL_CREATE)}          # per unsafe verb: body and answer
        answer_schema = answers.listed_or_paged("Pool")   # what GET answers (web/apidoc/answers.py)

The Fields and Bodies are the very objects the parsers and validators check with, so the
document is generated from what is enforced, never restated by hand. A handler without a
`writes` entry for one of its unsafe verbs is reported by tests/unit/web/test_openapi.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from actors.fields import Body

ACCEPTED = 202      # the 202 workflow: {"request_id"}, or 304 when nothing would change
NO_CONTENT = 204
OK = 200
CREATED = 201

NO_PARAMETERS = Body({})    # an optional body that may only be {} (or empty)


@dataclass(frozen=True)
class Write:
    body: Body | None = None        # the JSON object read; None: the verb reads no body
    answer: int = ACCEPTED
    text: bool = False              # text/plain accepted as well (the CRUSH map upload)
    bulk: Body | None = None        # the body is a JSON list of these records instead
    optional: bool = False          # an empty body counts as {}
    returns: dict | None = None     # the schema of a 200/201 answer's body (web/apidoc/answers.py)
