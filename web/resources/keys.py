"""Agent keys: `key` (GET; bulk PATCH and DELETE) and `key/<minion_id>` (GET, PATCH, DELETE).

A change answers 204. A bulk change checks the whole list's shape first, then applies the items
one by one and stops at the first failure, which it reports naming the key: the items before it
stay applied (the operation is not atomic, as in the original).
"""
from __future__ import annotations

from actors.fields import Body, string
from actors.errors import DomainError
from actors.keys.key_admin import KEY_STATUSES
from actors.accounts.roles import ADMIN_WRITES
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import NO_CONTENT, Write
from web.errors import ApiError, invalid_field

# Declared for the OpenAPI document; the parsers below take the statuses from here.
STATUS = string(*KEY_STATUSES)
STATUSES = STATUS.choices
KEY_PATCH = Body({"status": STATUS}, required=("status",))
BULK_PATCH_ITEM = Body({"id": string(), "status": STATUS}, required=("id", "status"))
BULK_DELETE_ITEM = Body({"id": string()}, required=("id",))


def parse_status(body: dict) -> str:
    if "status" not in body:
        raise invalid_field("status", "This field is required.")
    status = body["status"]
    if status not in STATUSES:
        raise invalid_field("status", f"Must be one of {', '.join(STATUSES)}.")
    return status


def parse_bulk(body, verb: str, *, with_status: bool) -> list[tuple[str, str | None]]:
    """A JSON list of {"id"[, "status"]} -> [(minion id, status or None)]."""
    if not isinstance(body, list):
        raise ApiError(400, f"Bulk {verb} must send a list")
    items = []
    for item in body:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise invalid_field("id", f"Items in bulk {verb} must be objects with a string 'id'.")
        items.append((item["id"], parse_status(item) if with_status else None))
    return items


class KeyListHandler(BaseHandler):
    required_roles = ADMIN_WRITES     # accepting agents is administration, not operation
    writes = {"patch": Write(bulk=BULK_PATCH_ITEM, answer=NO_CONTENT),
              "delete": Write(bulk=BULK_DELETE_ITEM, answer=NO_CONTENT)}
    answer_schema = answers.listed("Key")

    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_keys()))

    async def patch(self) -> None:
        for minion_id, status in parse_bulk(self.json_body(), "PATCH", with_status=True):
            await self._apply(minion_id, self.api.update_key, minion_id, status)
        self.no_content()

    async def delete(self) -> None:
        for minion_id, _ in parse_bulk(self.json_body(), "DELETE", with_status=False):
            await self._apply(minion_id, self.api.delete_key, minion_id)
        self.no_content()

    async def _apply(self, minion_id: str, method, *args) -> None:
        try:
            await self.ask(method(*args))
        except DomainError as exc:
            raise ApiError(exc.status, f"Key {minion_id}: {exc.detail}", exc.errors) from exc


class KeyDetailHandler(BaseHandler):
    required_roles = ADMIN_WRITES
    writes = {"patch": Write(KEY_PATCH, answer=NO_CONTENT), "delete": Write(answer=NO_CONTENT)}
    answer_schema = answers.ref("Key")

    async def get(self, minion_id: str) -> None:
        self.send_json(await self.ask(self.api.get_key(minion_id)))

    async def patch(self, minion_id: str) -> None:
        await self.ask(self.api.update_key(minion_id, parse_status(self.json_object())))
        self.no_content()

    async def delete(self, minion_id: str) -> None:
        await self.ask(self.api.delete_key(minion_id))
        self.no_content()
