"""Clusters (`cluster[/<fsid>]`; DELETE forgets one until its next heartbeat), their read-only
views (mons, health, config, sync objects) and their guardrails (`cluster/<fsid>/guardrails`:
GET for any role, PUT for administrators; actors/cluster/guardrails.py says what they are and
how a body is checked). A PUT replaces all three fields and answers the guardrails as now set;
it is no cluster change, so the change window does not apply to it (that is how an
administrator opens one)."""
from __future__ import annotations

from actors.accounts.roles import ADMIN
from actors.cluster.guardrails import DAYS, GUARDRAILS
from actors.cluster.queries import Query
from web.apidoc import answers
from web.apidoc.shapes import BOOL, STR, array, nullable, one_of_strings, record
from web.base import BaseHandler
from web.contract import NO_CONTENT, OK, Write


class ClusterListHandler(BaseHandler):
    answer_schema = answers.listed("Cluster")

    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_clusters()))


class ClusterDetailHandler(BaseHandler):
    answer_schema = answers.ref("Cluster")
    writes = {"delete": Write(answer=NO_CONTENT)}

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CLUSTER))

    async def delete(self, fsid: str) -> None:
        await self.ask(self.api.delete_cluster(fsid))
        self.no_content()


class MonListHandler(BaseHandler):
    answer_schema = answers.listed("Mon")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MONS))


class MonDetailHandler(BaseHandler):
    answer_schema = answers.ref("Mon")

    async def get(self, fsid: str, mon_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MON, name=mon_id))


class MonStatusHandler(BaseHandler):
    answer_schema = answers.ANY_OBJECT     # the mon's own `mon_status`

    async def get(self, fsid: str, mon_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.MON_STATUS, name=mon_id))


class HealthHandler(BaseHandler):
    """The checks of `health detail`, most severe first (actors/cluster/views/health.py)."""
    answer_schema = answers.ref("Health")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.HEALTH))


class ConfigListHandler(BaseHandler):
    answer_schema = answers.listed("ConfigOption")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CONFIG))


class ConfigDetailHandler(BaseHandler):
    answer_schema = answers.ref("ConfigOption")

    async def get(self, fsid: str, key: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CONFIG_KEY, key=key))


class SyncObjectListHandler(BaseHandler):
    answer_schema = answers.array(answers.STR)

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.SYNC_TYPES))


class SyncObjectHandler(BaseHandler):
    answer_schema = answers.nullable(answers.ANY_OBJECT)   # null until the map has arrived

    async def get(self, fsid: str, sync_type: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.SYNC_OBJECT, sync_type=sync_type))


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
