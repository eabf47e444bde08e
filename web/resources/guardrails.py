"""`cluster/<fsid>/guardrails`: GET (any role) and PUT (administrators) the cluster's opt-in
guardrails (actors/cluster/guardrails.py says what they are and how a body is checked). A PUT
replaces all three fields and answers the guardrails as now set; it is no cluster change, so
the change window does not apply to it (that is how an administrator opens one)."""
from __future__ import annotations

from actors.accounts.roles import ADMIN
from actors.cluster.guardrails import DAYS, GUARDRAILS
from web.apidoc.shapes import BOOL, STR, array, nullable, one_of_strings, record
from web.base import BaseHandler
from web.contract import OK, Write

GUARDRAILS_ANSWER = record({
    "refuse_unsafe_osd_changes": BOOL, "refuse_deleting_pools_with_data": BOOL,
    "change_window": nullable(array(record({"days": array(one_of_strings(*DAYS)), "from": STR, "to": STR}))),
})


class GuardrailsHandler(BaseHandler):
    required_roles = {"PUT": ADMIN}
    answer_schema = GUARDRAILS_ANSWER
    writes = {"put": Write(GUARDRAILS, answer=OK, returns=GUARDRAILS_ANSWER)}

    async def get(self, fsid: str) -> None:
        self.send_json(await self.ask(self.api.get_guardrails(fsid)))

    async def put(self, fsid: str) -> None:
        self.send_json(await self.ask(self.api.set_guardrails(fsid, self.json_object(), self.current_user)))
