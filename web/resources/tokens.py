"""API tokens: `user/<id|me>/token` (GET, POST) and `user/<id|me>/token/<token_id>` (DELETE).

POST {"name": "ci", "expires_in_s": 86400} answers 201 with the token under "token", the only
time it is ever shown; lists show everything else. Every role may manage its own tokens (the
Api lets an administrator list and revoke anyone's). Creating and revoking needs a login
session (BaseHandler.session_only): whoever holds a leaked token could otherwise make themselves
a spare that outlives its revocation, or revoke the owner's other tokens. The one exception: a
token may revoke itself (`calamari logout`), which only ever takes power away.
"""
from __future__ import annotations

from actors.accounts.api_tokens import TOKEN_CREATE
from actors.accounts.roles import READ_ONLY
from web.apidoc import answers
from web.base import BaseHandler
from web.contract import CREATED, NO_CONTENT, Write
from web.resources.users import user_id_of


class TokenListHandler(BaseHandler):
    required_roles = {"POST": READ_ONLY}
    session_only = frozenset({"POST"})
    writes = {"post": Write(TOKEN_CREATE, answer=CREATED, returns=answers.ref("NewToken"))}
    answer_schema = answers.listed("Token")

    async def get(self, user_id: str) -> None:
        self.send_json(await self.ask(self.api.list_tokens(user_id_of(self, user_id), self.current_user)))

    async def post(self, user_id: str) -> None:
        created = await self.ask(self.api.create_token(user_id_of(self, user_id), self.json_object(),
                                                       self.current_user))
        self.set_header("Cache-Control", "no-store")    # the one answer holding the secret
        self.send_json(created, 201)


class TokenDetailHandler(BaseHandler):
    required_roles = {"DELETE": READ_ONLY}
    session_only = frozenset({"DELETE"})
    writes = {"delete": Write(answer=NO_CONTENT)}

    def needs_session(self, method: str) -> bool:
        revoking_itself = method == "DELETE" and self.path_kwargs.get("token_id") == self.token_id
        return not revoking_itself and super().needs_session(method)

    async def delete(self, user_id: str, token_id: str) -> None:
        await self.ask(self.api.revoke_token(user_id_of(self, user_id), token_id, self.current_user))
        self.no_content()
