"""Pure paging/filter parsing (web.pagination) and the Future bridge (web.bridge)."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

import pytest

from actors.errors import Invalid, NotFound
from actors.events import CRITICAL, INFO, RECOVERY
from web import pagination as p
from web.bridge import resolve
from web.errors import ApiError

URL = "http://h:1/api/v2/event"


def fails_on(field, fn, *args):
    with pytest.raises(Invalid) as caught:
        fn(*args)
    assert list(caught.value.errors) == [field]
    assert caught.value.status == 400
    assert field in caught.value.detail


def test_page_defaults_and_offsets():
    assert p.parse_page({}) == p.Page(1, 10)
    page = p.parse_page({"page": ["3"], "page_size": ["25"]})
    assert (page.offset, page.limit) == (50, 25)
    assert p.parse_page({"page_size": ["1000"]}).size == 1000


@pytest.mark.parametrize("args,field", [
    ({"page": ["0"]}, "page"), ({"page": ["-2"]}, "page"), ({"page": ["two"]}, "page"),
    ({"page": [""]}, "page"), ({"page_size": ["0"]}, "page_size"),
    ({"page_size": ["1001"]}, "page_size"), ({"page_size": ["1e3"]}, "page_size"),
])
def test_bad_page_args(args, field):
    fails_on(field, p.parse_page, args)


def test_page_range():
    p.check_in_range(p.Page(1, 10), 0)          # page 1 of an empty list is fine
    p.check_in_range(p.Page(3, 10), 21)
    fails_on("page", p.check_in_range, p.Page(3, 10), 20)
    fails_on("page", p.check_in_range, p.Page(2, 10), 0)


def test_envelope_links():
    args = {"severity": ["WARNING"], "page": ["2"], "page_size": ["5"]}
    body = p.envelope(p.Page(2, 5), 11, ["r"], URL, args)
    assert body == {"count": 11, "results": ["r"],
                    "next": URL + "?severity=WARNING&page_size=5&page=3",
                    "previous": URL + "?severity=WARNING&page_size=5"}
    last = p.envelope(p.Page(3, 5), 11, [], URL, args)
    assert last["next"] is None
    first = p.envelope(p.Page(1, 10), 10, [], URL, {})
    assert (first["next"], first["previous"]) == (None, None)
    assert p.envelope(p.Page(1, 10), 11, [], URL, {})["next"] == URL + "?page=2"


def test_envelope_keeps_repeated_args_encoded():
    body = p.envelope(p.Page(1, 1), 2, [], URL, {"id__in[]": ["1", "2"]})
    assert body["next"] == URL + "?id__in%5B%5D=1&id__in%5B%5D=2&page=2"


def test_severity_and_state():
    assert p.parse_severity({}) == INFO
    assert p.parse_severity({"severity": ["RECOVERY"]}) == RECOVERY
    assert p.parse_severity({"severity": ["critical"]}) == CRITICAL
    fails_on("severity", p.parse_severity, {"severity": ["DEBUG"]})
    assert p.parse_state({}) is None
    assert p.parse_state({"state": ["complete"]}) == "complete"
    assert p.parse_state({"state": ["submitted"]}) == "submitted"
    fails_on("state", p.parse_state, {"state": ["failed"]})


# bridge ------------------------------------------------------------------------------------

def completed(value=None, error=None) -> Future:
    future: Future = Future()
    future.set_exception(error) if error else future.set_result(value)
    return future


def test_resolve_returns_the_result():
    assert asyncio.run(resolve(completed([1, 2]), 1)) == [1, 2]


def test_resolve_passes_domain_errors_through():
    with pytest.raises(NotFound):
        asyncio.run(resolve(completed(error=NotFound("gone")), 1))


def test_resolve_times_out_with_504_and_leaves_the_future_to_its_owner():
    pending: Future = Future()
    with pytest.raises(ApiError) as caught:
        asyncio.run(resolve(pending, 0.01))
    assert caught.value.status_code == 504
    assert not pending.cancelled()                 # the actor may still complete it safely
    pending.set_result("late")


def test_resolve_keeps_the_loop_running_while_another_thread_answers():
    async def main():
        pending: Future = Future()
        loop_ran = threading.Event()

        def actor():                    # answers only once the loop has run other work
            loop_ran.wait(5)
            pending.set_result("done")

        thread = threading.Thread(target=actor)
        thread.start()
        waiter = asyncio.ensure_future(resolve(pending, 5))
        await asyncio.sleep(0)          # a yield, not a delay: the loop is free while waiting
        assert not waiter.done()
        loop_ran.set()
        value = await waiter
        thread.join(5)
        return value

    assert asyncio.run(main()) == "done"
