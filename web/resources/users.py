"""Users (`user`, `user/<id|me>`) and agent keys (`key`, `key/<minion_id>`)."""
from __future__ import annotations

from web.base import BaseHandler


class UserListHandler(BaseHandler):
    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_users()))


class UserDetailHandler(BaseHandler):
    async def get(self, user_id: str) -> None:
        if user_id == "me":
            self.send_json(self.current_user)   # from this request's session_user answer
            return
        self.send_json(await self.ask(self.api.get_user(int(user_id))))


class KeyListHandler(BaseHandler):
    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_keys()))


class KeyDetailHandler(BaseHandler):
    async def get(self, minion_id: str) -> None:
        self.send_json(await self.ask(self.api.get_key(minion_id)))
