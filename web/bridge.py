"""The only place the web tier waits for the actors: await an Api Future without blocking the loop.

`resolve` wraps the concurrent.futures.Future into the running loop (the actor completes it on its
own thread; asyncio hands the result over thread-safely) and applies a deadline. A timeout becomes a
504; a DomainError propagates unchanged (the base handler maps it to its status).

The Api Future is shielded from the deadline's cancellation: cancelling it would race with the
actor completing it (set_result on a cancelled Future raises on the actor thread). A late answer is
simply dropped.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import Future

from actors.context import WEB_ASK_S
from web.errors import ApiError

DEFAULT_TIMEOUT_S = WEB_ASK_S   # WebSettings.ask_timeout_s's default: the budgets in actors/context.py


async def resolve(future: Future, timeout_s: float = DEFAULT_TIMEOUT_S):
    if future.done():   # answered from a cache: no hop through the loop's machinery
        return future.result()
    wrapped = asyncio.wrap_future(future)
    try:
        return await asyncio.wait_for(asyncio.shield(wrapped), timeout_s)
    except asyncio.TimeoutError:
        wrapped.add_done_callback(_drop_late_answer)
        raise ApiError(504, f"No answer from the server's backend within {timeout_s:g} s") from None


def _drop_late_answer(wrapped: asyncio.Future) -> None:
    if not wrapped.cancelled():
        wrapped.exception()   # mark a late failure as retrieved: nobody is waiting for it any more
