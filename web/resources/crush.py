"""CRUSH: the decompiled map, nodes (buckets), rules, rule sets and types.

Changes answer 202 {"request_id"} (the map upload too: 202, not the original's 200), or 304 when
the Api finds nothing to change; the Api validates bodies and the map text.
"""
from __future__ import annotations

from actors.cluster.commands.crush_nodes import NODE_CREATE, NODE_UPDATE
from actors.cluster.commands.crush_rules import RULE_CREATE, RULE_UPDATE
from actors.cluster.queries import Query
from actors.fields import Body, string
from actors.messages import ChangeKind
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import Write
from web.errors import ApiError, invalid_field

TEXT_REQUIRED = "The CRUSH map text is required."
CRUSH_MAP = Body({"text": string()}, required=("text",))


class CrushMapHandler(BaseHandler):
    answer_schema = {**answers.STR, "description": "the CRUSH map as text"}
    body_limit_setting = "max_crush_map_bytes"     # a whole map's text: larger than JSON bodies
    writes = {"post": Write(CRUSH_MAP, text=True)}

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CRUSH_MAP))   # a JSON string

    async def post(self, fsid: str) -> None:
        await self.accepted(self.api.replace_crush_map(fsid, self._map_text(), self.current_user,
                                                       self.change_options()))

    def _map_text(self) -> str:
        """`text/plain` (UTF-8) or JSON {"text": "..."}; anything else is a 415."""
        media_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type == "text/plain":
            try:
                text = self.request.body.decode("utf-8")
            except UnicodeDecodeError:
                raise invalid_field("text", "The CRUSH map text must be UTF-8.") from None
        elif media_type == "application/json":
            text = CRUSH_MAP.check(self.json_object(), "POST")["text"]
        else:
            raise ApiError(415, f"Unsupported media type {media_type or '(none)'!r}: send the "
                                "CRUSH map as text/plain or as application/json {\"text\": ...}")
        if not text or not text.strip():
            raise invalid_field("text", TEXT_REQUIRED)
        return text


class CrushNodeListHandler(BaseHandler):
    answer_schema = answers.listed("CrushNode")
    writes = {"post": Write(NODE_CREATE)}

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CRUSH_NODES))

    async def post(self, fsid: str) -> None:
        await self.accepted(self.api.create(fsid, ChangeKind.CRUSH_NODE, self.json_object(),
                                            self.current_user, self.change_options()))


class CrushNodeDetailHandler(BaseHandler):
    answer_schema = answers.ref("CrushNode")
    writes = {"patch": Write(NODE_UPDATE), "delete": Write()}

    async def get(self, fsid: str, node_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CRUSH_NODE, node_id=int(node_id)))

    async def patch(self, fsid: str, node_id: str) -> None:
        await self.accepted(self.api.update(fsid, ChangeKind.CRUSH_NODE, int(node_id), self.json_object(),
                                            self.current_user, self.change_options()))

    async def delete(self, fsid: str, node_id: str) -> None:
        await self.accepted(self.api.delete(fsid, ChangeKind.CRUSH_NODE, int(node_id), self.current_user,
                                            self.change_options()))


class CrushRuleListHandler(BaseHandler):
    answer_schema = answers.listed("CrushRule")
    writes = {"post": Write(RULE_CREATE)}

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CRUSH_RULES))

    async def post(self, fsid: str) -> None:
        await self.accepted(self.api.create(fsid, ChangeKind.CRUSH_RULE, self.json_object(),
                                            self.current_user, self.change_options()))


class CrushRuleDetailHandler(BaseHandler):
    answer_schema = answers.ref("CrushRule")
    writes = {"patch": Write(RULE_UPDATE), "delete": Write()}

    async def get(self, fsid: str, rule_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CRUSH_RULE, rule_id=int(rule_id)))

    async def patch(self, fsid: str, rule_id: str) -> None:
        await self.accepted(self.api.update(fsid, ChangeKind.CRUSH_RULE, int(rule_id), self.json_object(),
                                            self.current_user, self.change_options()))

    async def delete(self, fsid: str, rule_id: str) -> None:
        await self.accepted(self.api.delete(fsid, ChangeKind.CRUSH_RULE, int(rule_id), self.current_user,
                                            self.change_options()))


class CrushRuleSetListHandler(BaseHandler):
    answer_schema = answers.listed("CrushRuleSet")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CRUSH_RULE_SETS))


class CrushTypeListHandler(BaseHandler):
    answer_schema = answers.listed("CrushType")

    async def get(self, fsid: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CRUSH_TYPES))


class CrushTypeDetailHandler(BaseHandler):
    answer_schema = answers.ref("CrushType")

    async def get(self, fsid: str, type_id: str) -> None:
        self.send_json(await self.cluster_query(fsid, Query.CRUSH_TYPE, type_id=int(type_id)))
