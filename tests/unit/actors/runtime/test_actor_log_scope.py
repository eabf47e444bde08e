"""A pooled actor's turns log with its own scope (a ServerActor's fqdn), never with the scope of
the actor the same worker thread ran before it."""
from __future__ import annotations

from concurrent.futures import Future

from actors.runtime.base import Actor, ask, handles
from actors.runtime.worker_pool import ActorPool, PooledActor
from bus import log_context


class Scope:
    def __init__(self, reply: Future):
        self.reply = reply


class Scoped(PooledActor, Actor):
    pool = ActorPool("scope-test-pool", workers=1)   # one thread: every actor's turns share it

    def __init__(self, scope: dict | None):
        super().__init__()
        self.log_scope = scope

    def _pool(self) -> ActorPool:
        return self.pool

    @handles(Scope)
    def scope(self, message: Scope):
        return dict(log_context.current())


def test_each_turn_has_its_actors_scope_and_no_other():
    named = Scoped.start({"fqdn": "node1.example.com"})
    other = Scoped.start({"fqdn": "node2.example.com"})
    anonymous = Scoped.start(None)
    try:
        for _ in range(3):
            assert ask(named, Scope).result(5) == {"fqdn": "node1.example.com"}
            assert ask(anonymous, Scope).result(5) == {}
            assert ask(other, Scope).result(5) == {"fqdn": "node2.example.com"}
    finally:
        for ref in (named, other, anonymous):
            ref.stop()
