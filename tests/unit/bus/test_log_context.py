"""The log scope: per thread and per task, copied onto records by ScopeFilter; request ids."""
from __future__ import annotations

import asyncio
import logging
import re
import threading

from bus import log_context


def test_a_callers_request_id_is_kept_only_when_it_is_a_plain_id():
    assert log_context.new_request_id("lb-7f3a-0001") == "lb-7f3a-0001"
    assert log_context.new_request_id("A" * 64) == "A" * 64
    for hostile in ("", "A" * 65, "x y", "id\ninjected", "<script>", "ü", "a_b", "1.2"):
        made = log_context.new_request_id(hostile)
        assert re.fullmatch(r"[0-9a-f]{12}", made), (hostile, made)
    assert log_context.new_request_id(None) != log_context.new_request_id(None)


def test_the_filter_copies_the_scope_and_a_call_sites_own_field_wins():
    token = log_context.bind(fsid="f1", request_id="from-scope")
    try:
        record = logging.makeLogRecord({"msg": "m", "request_id": "from-call"})
        assert log_context.ScopeFilter().filter(record) is True
        assert (record.fsid, record.request_id) == ("f1", "from-call")
    finally:
        log_context.unbind(token)
    bare = logging.makeLogRecord({"msg": "m"})
    log_context.ScopeFilter().filter(bare)
    assert not hasattr(bare, "fsid")


def test_a_threads_scope_is_its_own():
    seen = {}
    bound = threading.Event()

    def actor_thread():
        log_context.bind(fsid="on-the-actor")   # as a cluster actor does in on_start
        bound.set()
        seen["actor"] = dict(log_context.current())

    thread = threading.Thread(target=actor_thread)
    thread.start()
    thread.join(5)
    assert bound.is_set() and seen["actor"] == {"fsid": "on-the-actor"}
    assert log_context.current() == {}


def test_tasks_inherit_the_scope_of_the_task_that_started_them():
    async def handler(request_id):
        log_context.bind(request_id=request_id)   # as BaseHandler.prepare does
        return await asyncio.create_task(child())

    async def child():
        await asyncio.sleep(0)
        return dict(log_context.current())

    async def both():
        return await asyncio.gather(handler("a"), handler("b"))

    assert asyncio.run(both()) == [{"request_id": "a"}, {"request_id": "b"}]
    assert log_context.current() == {}
