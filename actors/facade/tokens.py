"""The facade's API token management; using a token is sessions.py's.

Everyone manages their own tokens; an administrator may also list and revoke anyone's (a
leaked token must be revocable without its owner), but never create one for someone else:
a token is shown once, to whoever created it, and should only ever be its owner's.
"""
from __future__ import annotations

from concurrent.futures import Future

import pykka

from actors.accounts import api_tokens
from actors.accounts.auth_cache import AuthCache
from actors.accounts.roles import ADMIN
from actors.errors import Forbidden, Invalid, NotFound
from actors.facade.accounts import valid_user_id
from actors.runtime.base import ask
from actors.runtime.futures import failed, then
from actors.storage.messages import CreateToken, DeleteToken, ListTokens


def _refusal(user_id: int, actor: dict, *, admin_may: bool) -> Future | None:
    if not valid_user_id(user_id):
        return failed(NotFound.of("user", user_id))
    if actor["id"] == user_id or (admin_may and actor.get("role") == ADMIN):
        return None
    return failed(Forbidden("You may manage only your own API tokens"))


class Tokens:
    def __init__(self, store: pykka.ActorRef, auth_cache: AuthCache, clock):
        """auth_cache: the credentials Sessions trusts for a while; a revoked token leaves it."""
        self._store = store
        self._auth_cache = auth_cache
        self._clock = clock

    def list_tokens(self, user_id: int, actor: dict) -> Future:
        refused = _refusal(user_id, actor, admin_may=True)
        if refused is not None:
            return refused
        now = self._clock()
        return then(ask(self._store, lambda r: ListTokens(user_id, r)),
                    lambda rows: [api_tokens.public(row, now) for row in rows])

    def create_token(self, user_id: int, attrs: dict, actor: dict) -> Future:
        """-> the token as listed plus "token": the whole secret token, shown this once."""
        refused = _refusal(user_id, actor, admin_may=False)
        if refused is not None:
            return refused
        now = self._clock()
        try:
            name, expires_at = api_tokens.check_new(attrs, now)
        except Invalid as exc:
            return failed(exc)
        token_id, secret_hash, token = api_tokens.new_token()
        return then(ask(self._store, lambda r: CreateToken(token_id, user_id, name, secret_hash, now, expires_at, r)),
                    lambda row: dict(api_tokens.public(row, now), token=token))

    def revoke_token(self, user_id: int, token_id: str, actor: dict) -> Future:
        refused = _refusal(user_id, actor, admin_may=True)
        if refused is not None:
            return refused

        def revoked(_):
            self._auth_cache.drop_token(token_id)   # after the delete: see AuthCache on revocation
        return then(ask(self._store, lambda r: DeleteToken(user_id, token_id, r)), revoked)
