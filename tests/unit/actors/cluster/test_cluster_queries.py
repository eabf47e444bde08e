"""QueryCache: big lists joined from per-item JSON (byte for byte the plain encoding), their
pages, and the answers' cache: least recently used out, bounded in entries and bytes whatever
the clients ask, emptied by a new map version or a change of where services run. The cache
reads a cluster only through the ClusterInputs it is given (query_helpers.FakeCluster here)."""
from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from actors.cluster import queries
from actors.cluster.queries import DIRECTORY_QUERIES, QUERIES, JsonPage, Query, summary
from actors.errors import Invalid, NotFound, Unavailable
from actors.messages import Service
from actors.cluster.views.api_osds import api_osds
from actors.cluster.views.api_pools import api_pools
from actors.cluster.views.osd_map import OsdMapView
from tests.unit import ceph_fixtures as fx
from tests.unit.sim_helpers import make
from tests.unit.actors.cluster.query_helpers import cache_of, cached


@pytest.fixture(scope="module")
def big_map():
    return make(hosts=6, osds_per_host=9).get_cluster_object("osd_map")["data"]   # 54 OSDs


def ask(cache, name, **params):
    return cache.answer(name, params)


def decoded(answer):
    if isinstance(answer, JsonPage):
        return answer.count, json.loads(answer.results)
    return json.loads(answer)


def test_lists_are_byte_for_byte_the_plain_encoding(big_map):
    hosts = {osd["osd"]: f"host{osd['osd'] % 6}" for osd in big_map["osds"]}
    cache = cache_of(big_map, hosts)
    view = OsdMapView(big_map)
    assert ask(cache, Query.OSDS) == json.dumps(api_osds(view, hosts)).encode()
    assert ask(cache, Query.POOLS) == json.dumps(api_pools(view)).encode()
    some = [3, 50, 7, 999]
    assert ask(cache, Query.OSDS, ids=some, pool=2) == \
        json.dumps(api_osds(view, hosts, pool=2, ids=some)).encode()
    assert decoded(ask(cache, Query.OSD, osd_id=7)) == api_osds(view, hosts, ids=[7])[0]
    assert decoded(ask(cache, Query.POOL, pool_id=2))["name"] == "rbd"


@pytest.mark.parametrize("size", [1, 5, 10, 54, 100])
def test_pages_concatenate_to_the_list(big_map, size):
    cache = cache_of(big_map)
    whole = decoded(ask(cache, Query.OSDS))
    pages, offset = [], 0
    while True:
        count, results = decoded(ask(cache, Query.OSDS_PAGE, offset=offset, limit=size))
        assert count == len(whole) == 54
        if not results:
            break
        pages.extend(results)
        offset += size
    assert pages == whole
    pools = decoded(ask(cache, Query.POOLS))
    count, first = decoded(ask(cache, Query.POOLS_PAGE, offset=1, limit=size))
    assert count == len(pools) and first == pools[1:1 + size]


def test_filtered_pages_agree_with_the_filtered_list():
    osd_map = fx.osd_map(erasure=True)
    cache = cache_of(osd_map)
    for pool in [p["pool"] for p in osd_map["pools"]] + [None]:
        for ids in (None, [0, 3, 4, 5, 11, 77], [5, 3, 3]):
            whole = decoded(ask(cache, Query.OSDS, pool=pool, ids=ids))
            count, page = decoded(ask(cache, Query.OSDS_PAGE, pool=pool, ids=ids, offset=1, limit=2))
            assert count == len(whole) and page == whole[1:3], (pool, ids)
    with pytest.raises(NotFound):
        ask(cache, Query.OSDS_PAGE, pool=99, offset=0, limit=10)
    with pytest.raises(NotFound):
        ask(cache, Query.OSD, osd_id=99)


def test_id_filters_differing_only_in_order_or_repeats_share_one_answer(big_map):
    cache = cache_of(big_map)
    first = ask(cache, Query.OSDS, ids=[5, 1, 3])
    assert ask(cache, Query.OSDS, ids=[3, 3, 1, 5]) is first
    assert cache.size[0] == 1


def test_the_answers_cache_stays_bounded_in_entries():
    cache = cache_of(fx.osd_map(), max_entries=20, max_bytes=1 << 30)
    for n in range(500):           # a client varying id__in and pages without end
        ask(cache, Query.OSDS, ids=[n % 12, n])
        ask(cache, Query.OSDS_PAGE, offset=n % 7, limit=1 + n, ids=[n])
        assert cache.size[0] <= 20
    assert cache.size[0] == 20


def test_the_answers_cache_stays_bounded_in_bytes(big_map):
    whole = len(ask(cache_of(big_map), "osds"))
    budget = 3 * whole
    cache = cache_of(big_map, max_entries=10_000, max_bytes=budget)
    for n in range(60):
        ask(cache, Query.OSDS, ids=list(range(n, 54)))      # each a different key
        ask(cache, Query.OSDS_PAGE, offset=0, limit=1 + n)
        entries, weight = cache.size
        assert weight <= budget
    assert entries < 120
    # counted as at least their JSON (plus the key's ids): the bound is on real memory
    assert weight >= sum(len(a.results if isinstance(a, JsonPage) else a)
                         for a, _ in cache._answers.values())


def test_least_recently_used_answers_go_first(big_map):
    cache = cache_of(big_map, max_entries=3)
    a = ask(cache, Query.OSDS, ids=[1])
    b = ask(cache, Query.OSDS, ids=[2])
    ask(cache, Query.OSDS, ids=[3])
    assert ask(cache, Query.OSDS, ids=[1]) is a     # used again: now the newest
    ask(cache, Query.OSDS, ids=[4])                  # pushes out [2], the least recent
    assert ask(cache, Query.OSDS, ids=[1]) is a
    assert ask(cache, Query.OSDS, ids=[2]) is not b and ask(cache, Query.OSDS, ids=[2]) == b


def test_an_answer_larger_than_the_budget_is_served_but_not_kept(big_map):
    cache = cache_of(big_map, max_bytes=1000)
    small = ask(cache, Query.POOL, pool_id=2)
    whole = ask(cache, Query.OSDS)
    assert len(whole) > 1000 and json.loads(whole)
    assert ask(cache, Query.POOL, pool_id=2) is small     # not pushed out by the big one
    entries, weight = cache.size
    assert entries == 1 and weight <= 1000


def test_invalidation_gives_fresh_answers(big_map):
    cache, cluster = cached(fx.osd_map(42))
    assert all(o["up"] for o in decoded(ask(cache, Query.OSDS)))
    assert decoded(ask(cache, Query.OSDS_PAGE, offset=0, limit=4))[1][3]["up"] is True
    cluster.maps["osd_map"] = fx.osd_map(43, down=[3])   # what a new version does ...
    assert decoded(ask(cache, Query.OSD, osd_id=3))["up"] is True   # ... once invalidated
    cache.invalidate()
    assert cache.size == (0, 0)
    assert decoded(ask(cache, Query.OSD, osd_id=3))["up"] is False
    assert decoded(ask(cache, Query.OSDS_PAGE, offset=0, limit=4))[1][3]["up"] is False
    assert [o["id"] for o in decoded(ask(cache, Query.OSDS)) if not o["up"]] == [3]
    cluster.services = ((Service(fx.FSID, "osd", "3"), "moved.example"),)   # services moved
    cache.invalidate()
    assert decoded(ask(cache, Query.OSDS_PAGE, offset=3, limit=1))[1][0]["server"] == "moved.example"


def test_no_map_yet_is_unavailable_and_not_kept():
    cache = cache_of(None)
    with pytest.raises(Unavailable):
        ask(cache, Query.OSDS_PAGE, offset=0, limit=10)
    assert cache.size == (0, 0)


def test_kept_answers_are_published_for_other_threads_until_dropped_or_invalidated(big_map):
    cache = cache_of(big_map, max_entries=2)
    assert cache.published_answer(Query.OSD, {"osd_id": 3}) is None            # not computed yet
    three = ask(cache, Query.OSD, osd_id=3)
    assert cache.published_answer(Query.OSD, {"osd_id": 3}) is three
    filtered = ask(cache, Query.OSDS, ids=[5, 4, 4])
    assert cache.published_answer(Query.OSDS, {"ids": [4, 5]}) is filtered      # normalised alike
    ask(cache, Query.POOLS)                                           # evicts osd 3 (LRU)
    assert cache.published_answer(Query.OSD, {"osd_id": 3}) is None
    assert cache.published_answer("no such query", {}) is None
    cache.invalidate()
    assert cache.published_answer(Query.OSDS, {"ids": [4, 5]}) is None


def test_every_read_comes_from_the_inputs_the_cache_is_given():
    cache, cluster = cached(fx.osd_map(42))
    assert decoded(ask(cache, Query.CLUSTER)) == summary(fx.FSID, "ceph", 0.0)
    with pytest.raises(Unavailable):
        ask(cache, Query.MONS)                                   # no mon status held yet
    cluster.maps.update(config=fx.config(), mon_status=fx.mon_status(), quorum_status=fx.quorum_status())
    cache.invalidate()
    assert decoded(ask(cache, Query.SYNC_OBJECT, sync_type="config")) == fx.config()
    assert {m["name"] for m in decoded(ask(cache, Query.MONS))} == set(fx.MON_NAMES)
    with pytest.raises(NotFound):
        ask(cache, Query.SYNC_OBJECT, sync_type="no such type")


# --- the vocabulary: Query -------------------------------------------------------------------

def test_every_query_but_the_directorys_has_its_handler_keyed_by_the_member():
    assert set(QUERIES) == set(Query) - DIRECTORY_QUERIES
    assert all(type(key) is Query for key in QUERIES)     # members, not strings equal to them


def documented_parameters() -> dict[Query, list[str]]:
    """Each member's parameter names, from the `# (name: type, ...) -> answer` comment beside it."""
    source = Path(queries.__file__).read_text()
    body = source[source.index("class Query("):source.index("DIRECTORY_QUERIES =")]
    found = {}
    for member, params in re.findall(r'^    ([A-Z_]+) = "[a-z_]+" +# \(([^)]*)\)', body, re.M):
        found[Query[member]] = [p.split(":")[0].strip() for p in params.split(",") if p.strip()]
    return found


def test_each_query_documents_its_handlers_parameters():
    documented = documented_parameters()
    assert set(documented) == set(Query)
    for query, handler in QUERIES.items():
        assert documented[query] == list(inspect.signature(handler).parameters)[1:], query
    assert documented[Query.SERVERS] == [] and documented[Query.SERVER] == ["fqdn"]   # the facade's


def test_an_unknown_query_still_fails_as_invalid(big_map):
    cache = cache_of(big_map)
    for name in ("no such query", Query.SERVERS):    # the directory's reads are not the cache's
        with pytest.raises(Invalid) as raised:
            cache.answer(name, {})
        assert raised.value.detail == f"unknown cluster query {str(name)!r}"
        assert cache.published_answer(name, {}) is None


def test_a_member_is_its_string_on_the_wire_and_in_the_cache(big_map):
    cache = cache_of(big_map)
    assert json.dumps({"query": Query.OSDS}) == '{"query": "osds"}' and f"{Query.OSDS}" == "osds"
    kept = ask(cache, Query.OSD, osd_id=3)
    assert cache.published_answer("osd", {"osd_id": 3}) is kept    # equal strings hash alike
