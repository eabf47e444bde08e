"""Users: `user` (GET, POST) and `user/<id|me>` (GET, PUT, PATCH, DELETE).

The Api validates bodies and decides who may do what (Forbidden -> 403); the web tier passes
the session user along as the actor and resolves `me` to its id.
"""
from __future__ import annotations

from web.base import BaseHandler


class UserListHandler(BaseHandler):
    async def get(self) -> None:
        self.send_json(await self.ask(self.api.list_users()))

    async def post(self) -> None:
        user = await self.ask(self.api.create_user(self.json_object(), self.current_user))
        self.send_json(user, 201)


class UserDetailHandler(BaseHandler):
    async def get(self, user_id: str) -> None:
        if user_id == "me":
            self.send_json(self.current_user)   # from this request's session_user answer
            return
        self.send_json(await self.ask(self.api.get_user(int(user_id))))

    async def put(self, user_id: str) -> None:
        await self.patch(user_id)

    async def patch(self, user_id: str) -> None:
        self.send_json(await self.ask(self.api.update_user(
            self._id(user_id), self.json_object(), self.current_user)))

    async def delete(self, user_id: str) -> None:
        await self.ask(self.api.delete_user(self._id(user_id), self.current_user))
        self.no_content()

    def _id(self, user_id: str) -> int:
        return self.current_user["id"] if user_id == "me" else int(user_id)
