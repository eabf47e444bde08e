"""Per-cluster reads (`Query`: one member per read, with its parameters and answer), cached until
an input changes.

Every answer is derived from the cluster's immutable maps plus where its services run (and its
stats), so one computation serves every read until an input it was derived from changes. The
cache reads those inputs through `ClusterInputs`, callables its ClusterActor gives it: it knows
nothing else of the actor, and the actor calls `invalidate` (a new map version),
`invalidate_services` or `invalidate_stats` whenever they change.

Big lists (a cluster may have 10,000 OSDs, about 4 MB of JSON) are joined from the JSON of each
item, encoded once per map version when first asked for; a page of such a list (`osds_page`,
`pools_page`) costs the join of its own items only, never a re-encoding of the whole list.

Each read also has a version tag (`version_tag`, the ETag of conditional GETs): which inputs its
answer is derived from, as counters the invalidations move (`Stamp`), so that "has it changed?"
is answered without computing the answer.
"""
from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from enum import StrEnum
from typing import Any, Callable, NamedTuple

from actors.json_bytes import JsonBytes, join_json
from actors.errors import Invalid, NotFound, Unavailable
from actors.timefmt import iso
from actors.cluster.views import api_osd_map as osdv
from actors.cluster.views.config import api_config, api_config_key
from actors.cluster.stats import ClusterStats
from actors.cluster.views.health import api_health
from actors.cluster.views.io import api_io
from actors.cluster.views.osd_usage import osd_usage_rows, select_osd_usage
from actors.cluster.views.usage import api_usage
from actors.cluster.views.mons import MonService, api_mon, api_mon_status, api_mons
from actors.cluster.views.osd_map import OsdMapView
from bus.protocol import SYNC_TYPES

# Per cluster: the answers kept, least recently used first out. A full list of 10,000 OSDs is
# about 4.4 MB, so it fits beside many pages; an answer larger than the byte budget is served
# but not kept (it is joined again from the per-item JSON, which is kept per map version).
MAX_ANSWERS = 256
MAX_ANSWER_BYTES = 8 << 20
_ENTRY_OVERHEAD = 200   # bytes counted per kept answer besides its JSON: key, tuple, dict slot
_PARAM_ITEM_BYTES = 40  # ... and per element of a list parameter (a client-chosen id__in)


class Query(StrEnum):
    """The reads of one cluster (`Api.cluster_query(fsid, Query.X, **params)`): each member's
    keyword parameters, then its answer. Members are strings ("osds"), so they are JSON and log
    as their value. `QUERIES` below computes each (a test holds these parameters to its
    handlers); `DIRECTORY_QUERIES` are answered by the facade from the server directory instead.
    Unknown ids fail with NotFound, a read before the first map with Unavailable (503)."""
    CLUSTER = "cluster"                  # () -> {update_time, id, name}
    POOLS = "pools"                      # () -> [pool]
    POOLS_PAGE = "pools_page"            # (offset: int, limit: int) -> JsonPage of pools
    POOL = "pool"                        # (pool_id: int) -> pool
    POOL_DEFAULTS = "pool_defaults"      # () -> a pool of defaults (503 without config or CRUSH rules)
    OSDS = "osds"                        # (pool: int | None, ids: list[int] | None) -> [osd]
                                         #   (an unknown pool: NotFound)
    OSDS_PAGE = "osds_page"              # (offset: int, limit: int, pool: int | None, ids: list[int] | None)
                                         #   -> JsonPage of osds
    OSD = "osd"                          # (osd_id: int) -> osd
    OSD_IMPLEMENTED_COMMANDS = "osd_implemented_commands"   # () -> ["scrub", "deep_scrub", "repair"]
    OSD_COMMANDS = "osd_commands"        # (osd_id: int) -> {"<id>": {"valid_commands": [...]}}
    OSD_COMMAND = "osd_command"          # (osd_id: int, command: str) -> {"valid": bool}
    OSD_CONFIG = "osd_config"            # () -> {flag: bool}, one per osd_map.FLAG_NAMES
    CRUSH_MAP = "crush_map"              # () -> str (the decompiled text)
    CRUSH_NODES = "crush_nodes"          # () -> [node]
    CRUSH_NODE = "crush_node"            # (node_id: int) -> node
    CRUSH_RULES = "crush_rules"          # () -> [rule]
    CRUSH_RULE = "crush_rule"            # (rule_id: int) -> rule
    CRUSH_RULE_SETS = "crush_rule_sets"  # () -> [{id, rules}]
    CRUSH_TYPES = "crush_types"          # () -> [{id, name}]
    CRUSH_TYPE = "crush_type"            # (type_id: int) -> {id, name}
    MONS = "mons"                        # () -> [mon]
    MON = "mon"                          # (name: str) -> mon
    MON_STATUS = "mon_status"            # (name: str) -> the raw mon_status of that mon, or None
    CONFIG = "config"                    # () -> [{key, value}]
    HEALTH = "health"                    # () -> {status, checks: [{name, severity, summary, count, muted, detail}]}
    CONFIG_KEY = "config_key"            # (key: str) -> {key, value}
    USAGE = "usage"                      # () -> raw totals, per pool and class, trend (views/usage.py)
    OSD_USAGE = "osd_usage"              # (host: str | None, utilization_gte: float | None) -> [osd usage]
    OSD_USAGE_PAGE = "osd_usage_page"    # (offset: int, limit: int, host, utilization_gte) -> JsonPage
    IO = "io"                            # () -> client and recovery rates, PG states, latency (views/io.py)
    SYNC_TYPES = "sync_types"            # () -> [sync type name]
    SYNC_OBJECT = "sync_object"          # (sync_type: str) -> the raw map held, or None
    SERVERS = "servers"                  # () -> [server, with frontend/backend addr and iface] (directory)
    SERVER = "server"                    # (fqdn: str) -> one of those (directory)


# Derived from the cluster's stats (actors/cluster/stats.py) as well as its maps: forgotten at each
# new stats generation (`invalidate_stats`), which leaves the map-only answers alone.
STATS_QUERIES = frozenset({Query.USAGE, Query.OSD_USAGE, Query.OSD_USAGE_PAGE, Query.IO})
OSD_STATS_QUERIES = frozenset({Query.OSD_USAGE, Query.OSD_USAGE_PAGE})   # from osd_df alone

# Derived from where services run (ClusterInputs.services) as well as the maps: forgotten when that
# moves (`invalidate_services`). The OSD answers name each OSD's server; the mon answers also read
# what each mon reports of itself, which moves with every heartbeat of its host (quorum_age).
OSD_PLACEMENT_QUERIES = frozenset({Query.OSDS, Query.OSDS_PAGE, Query.OSD})
MON_SERVICE_QUERIES = frozenset({Query.MONS, Query.MON, Query.MON_STATUS})

# Answered by actors/facade/reads.py from the ServerDirectory (where the cluster's services
# run), never by a QueryCache.
DIRECTORY_QUERIES = frozenset({Query.SERVERS, Query.SERVER})


# Not versioned by the cache: the `cluster` summary moves with every heartbeat of the favourite
# mon host, without invalidating anything (the facade reads the published summary instead).
UNVERSIONED_QUERIES = frozenset({Query.CLUSTER})


def summary(fsid: str, name: str, update_time: float) -> dict:
    """A cluster's entry in the cluster list (and its `cluster` read)."""
    return {"update_time": iso(update_time), "id": fsid, "name": name}


class ClusterInputs(NamedTuple):
    """What one cluster's reads are derived from, called when an answer is computed (on the
    owning actor's thread, never by `published_answer`)."""
    fsid: str
    sync_data: Callable[[str], Any]   # sync type -> the map held now, or None
    services: Callable[[], tuple]     # ((Service, fqdn), ...): where its services run now
    summary: Callable[[], dict]       # its entry in the cluster list (see `summary`)
    stats: Callable[[], ClusterStats] = ClusterStats   # usage and rates of the moment
    trend_days: Callable[[], dict] = dict  # {"cluster": days | None, "pools": {id: days | None}}


class JsonPage(NamedTuple):
    """A page of a list: how many items the whole (filtered) list has, and the JSON array of
    this page's items. Unpacks as (count, results) like the other paged answers."""
    count: int
    results: JsonBytes


class Stamp(NamedTuple):
    """What the answers a QueryCache holds now are derived from: counters moved by its
    invalidations, after the answers they make stale are forgotten (so a reader on another
    thread that reads the stamp, then an answer, never gets an answer older than the stamp)."""
    maps: int = 0                    # `invalidate` calls: a new map version (or a restore)
    osd_placement: int = 0           # `invalidate_services` calls that moved an OSD's server
    mons: int = 0                    # ... that moved a mon's server, running flag or own status
    stats: int = 0                   # `invalidate_stats` calls: new stats of any kind
    osd_stats: float | None = None   # the osd_df time (osd_taken_at) the per-OSD rows are from

    def of(self, query: Query) -> str:
        """The part of the stamp `query`'s answer depends on."""
        parts = [str(self.maps)]
        if query in OSD_PLACEMENT_QUERIES:
            parts.append(f"p{self.osd_placement}")
        if query in MON_SERVICE_QUERIES:
            parts.append(f"m{self.mons}")
        if query in OSD_STATS_QUERIES:
            parts.append(f"o{self.osd_stats!r}")
        elif query in STATS_QUERIES:
            parts.append(f"s{self.stats}")
        return ".".join(parts)


class QueryCache:
    """The answers of one cluster's reads, JSON-encoded once: a least-recently-used cache of at
    most `max_entries` answers and `max_bytes` of JSON, emptied by `invalidate` (a new map
    version); `invalidate_services` and `invalidate_stats` forget only what was derived from
    those. Beside it, per map version: the OsdMapView, where OSDs run, the sorted id lists of
    the OSD list per pool, and the JSON of each OSD and pool asked for; these are bounded by
    the map itself, whatever the clients ask."""

    def __init__(self, inputs: ClusterInputs, max_entries: int = MAX_ANSWERS,
                 max_bytes: int = MAX_ANSWER_BYTES):
        self.inputs = inputs
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._answers: OrderedDict = OrderedDict()   # key -> (answer, weight)
        self._weight = 0
        self._view: OsdMapView | None = None
        self._servers: dict | None = None
        self._items: dict[tuple, JsonBytes] = {}     # ("osd" | "pool", id) -> its JSON
        self._id_lists: dict = {}                    # pool or None -> the OSD list's ids
        self._osd_usage: tuple = (None, None)        # (osd stats time, every OSD's usage row)
        self._services_seen: tuple = (None, None)    # (where OSDs run, the mons' MonServices)
        # The answers kept, for readers on other threads (published_answer): written only by the
        # owning actor, one key at a time; replaced whole on invalidate.
        self.published: dict = {}
        # Read by other threads too (version_tag); replaced whole, after `published`. The epoch
        # is this cache's own: a restarted daemon's, or a cluster's found again after it was
        # forgotten, share no tag with the ones before, whose counters started alike.
        self.stamp = Stamp()
        self.epoch = secrets.token_hex(8)

    def invalidate(self) -> None:
        self.published = {}   # a new dict: readers holding the old one see the old version whole
        self._answers.clear()
        self._weight = 0
        self._view = None
        self._servers = None
        self._items.clear()
        self._id_lists.clear()
        self._osd_usage = (None, None)
        self.stamp = self.stamp._replace(maps=self.stamp.maps + 1)   # last: see Stamp

    def invalidate_stats(self) -> None:
        """New stats: forget what was derived from the old ones, keep the map-only answers. The
        per-OSD rows (15 ms at 10,000 OSDs) move only with osd_df, every few heartbeats."""
        osd_taken_at = self.stats().osd_taken_at
        osd_moved = self._osd_usage[0] != osd_taken_at
        stale = [key for key in self._answers if key[0] in STATS_QUERIES
                 and (osd_moved or key[0] not in OSD_STATS_QUERIES)]
        self._forget(stale)
        self.stamp = self.stamp._replace(stats=self.stamp.stats + 1, osd_stats=osd_taken_at)   # last

    def invalidate_services(self) -> None:
        """Where the cluster's services run changed, or what a mon reports of itself (its
        quorum_age moves with every heartbeat of its host): forget what was derived from those
        that moved. The maps' answers stay, and the OSDs' while no OSD moved server."""
        seen = _osd_servers(self.inputs), _mon_services(self.inputs)
        osds_moved, mons_moved = (now != before for now, before in zip(seen, self._services_seen))
        self._services_seen = seen
        if osds_moved:
            self._servers = None
            for key in [key for key in self._items if key[0] == "osd"]:
                del self._items[key]
        stale = (OSD_PLACEMENT_QUERIES if osds_moved else frozenset()) | \
            (MON_SERVICE_QUERIES if mons_moved else frozenset())
        self._forget([key for key in self._answers if key[0] in stale])
        self.stamp = self.stamp._replace(osd_placement=self.stamp.osd_placement + osds_moved,
                                         mons=self.stamp.mons + mons_moved)   # last: see Stamp

    def _forget(self, keys: list) -> None:
        if not keys:
            return
        published = dict(self.published)
        for key in keys:
            self._weight -= self._answers.pop(key)[1]
            published.pop(key, None)
        self.published = published   # readers holding the old dict see one generation whole

    @property
    def size(self) -> tuple[int, int]:
        """(answers kept, bytes they are counted as)."""
        return len(self._answers), self._weight

    def answer(self, query: Query, params: dict):
        handler = QUERIES.get(query)
        if handler is None:
            raise Invalid(f"unknown cluster query {str(query)!r}")
        params = _NORMALISE.get(query, _same)(params)
        key = (query, _freeze(params))
        kept = self._answers.get(key)
        if kept is not None:
            self._answers.move_to_end(key)
            return kept[0]
        answer = handler(self, **params)
        if not isinstance(answer, (JsonBytes, JsonPage)):
            answer = JsonBytes(json.dumps(answer).encode())
        self._keep(key, answer)
        return answer

    def _keep(self, key, answer) -> None:
        body = answer.results if isinstance(answer, JsonPage) else answer
        weight = len(body) + _ENTRY_OVERHEAD + _PARAM_ITEM_BYTES * sum(
            len(value) for _, value in key[1] if isinstance(value, tuple))
        if weight > self.max_bytes:
            return
        self._answers[key] = (answer, weight)
        self.published[key] = answer
        self._weight += weight
        while len(self._answers) > self.max_entries or self._weight > self.max_bytes:
            dropped_key, (_, dropped) = self._answers.popitem(last=False)
            self.published.pop(dropped_key, None)
            self._weight -= dropped

    def published_answer(self, query: Query, params: dict):
        """Thread-safe: the kept answer of this query, or None (then ask the actor). Small reads
        of a busy daemon skip the trip through the cluster's actor thread."""
        if query not in QUERIES:
            return None
        try:
            key = (query, _freeze(_NORMALISE.get(query, _same)(params)))
        except Exception:  # noqa: BLE001 - odd parameters: the actor answers (and explains)
            return None
        return self.published.get(key)

    def version_tag(self, query: Query, params: dict) -> str | None:
        """Thread-safe, computing nothing: an opaque tag of the answer `answer(query, params)`
        gives now; the same tag, the same answer. A reader takes it before the answer, so that
        it is never newer than the answer it goes with (older costs a needless 200 later; newer
        would let a 304 hide a change). None: not versioned here (UNVERSIONED_QUERIES, unknown
        queries, parameters the actor will refuse)."""
        if query not in QUERIES or query in UNVERSIONED_QUERIES:
            return None
        try:
            frozen = _freeze(_NORMALISE.get(query, _same)(params))
        except Exception:  # noqa: BLE001 - odd parameters: the actor answers (and explains)
            return None
        return f"{self.epoch}.{self.stamp.of(query)}:{query}:{frozen!r}"

    def osd_view(self) -> OsdMapView:
        data = self.inputs.sync_data("osd_map")
        if data is None:
            raise Unavailable(f"The OSD map of cluster {self.inputs.fsid} has not arrived yet")
        if self._view is None:
            self._view = OsdMapView(data)
        return self._view

    # --- lists joined from per-item JSON -------------------------------------------------------
    def osd_servers(self) -> dict:
        if self._servers is None:
            self._servers = _osd_servers(self.inputs)
        return self._servers

    def _item(self, kind: str, item_id: int, compute: Callable[[], dict]) -> JsonBytes:
        key = (kind, item_id)
        encoded = self._items.get(key)
        if encoded is None:
            encoded = self._items[key] = JsonBytes(json.dumps(compute()).encode())
        return encoded

    def osd_json(self, osd_id: int) -> JsonBytes:
        view = self.osd_view()
        return self._item("osd", osd_id, lambda: osdv.api_osd(view, self.osd_servers(), osd_id))

    def pool_json(self, pool_id: int) -> JsonBytes:
        view = self.osd_view()
        return self._item("pool", pool_id, lambda: osdv.api_pool(view, pool_id))

    def osd_ids(self, pool: int | None, ids) -> list[int]:
        view = self.osd_view()
        if ids is not None:    # client-chosen: not kept here (the answers' cache bounds those)
            return osdv.osd_ids(view, pool, ids)
        if pool not in self._id_lists:
            self._id_lists[pool] = osdv.osd_ids(view, pool)   # NotFound (not kept) for no pool
        return self._id_lists[pool]

    def osds(self, pool=None, ids=None) -> JsonBytes:
        return join_json([self.osd_json(i) for i in self.osd_ids(pool, ids)])

    def osds_page(self, offset: int, limit: int, pool=None, ids=None) -> JsonPage:
        selected = self.osd_ids(pool, ids)
        return JsonPage(len(selected), join_json([self.osd_json(i) for i in selected[offset:offset + limit]]))

    # --- from the stats ------------------------------------------------------------------------
    def stats(self) -> ClusterStats:
        return self.inputs.stats()

    def osd_usage(self, host=None, utilization_gte=None) -> list:
        stats = self.stats()
        if self._osd_usage[0] != stats.osd_taken_at or self._osd_usage[1] is None:
            self._osd_usage = (stats.osd_taken_at, osd_usage_rows(stats, self.osd_view()))
        return select_osd_usage(self._osd_usage[1], host=host, utilization_gte=utilization_gte)

    def osd_usage_page(self, offset: int, limit: int, host=None, utilization_gte=None) -> JsonPage:
        selected = self.osd_usage(host, utilization_gte)
        return JsonPage(len(selected), JsonBytes(json.dumps(selected[offset:offset + limit]).encode()))

    def pools(self) -> JsonBytes:
        return join_json([self.pool_json(i) for i in sorted(self.osd_view().pools_by_id)])

    def pools_page(self, offset: int, limit: int) -> JsonPage:
        selected = sorted(self.osd_view().pools_by_id)
        return JsonPage(len(selected), join_json([self.pool_json(i) for i in selected[offset:offset + limit]]))


def _freeze(params: dict):
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


def _same(params: dict) -> dict:
    return params


def _osd_filters(params: dict) -> dict:
    """`ids` is a set: duplicates and order do not change the answer, so not its cache key."""
    ids = params.get("ids")
    return params if ids is None else {**params, "ids": sorted(set(ids))}


_NORMALISE = {Query.OSDS: _osd_filters, Query.OSDS_PAGE: _osd_filters}


def _osd_servers(inputs: ClusterInputs) -> dict:
    return {int(s.id): fqdn for s, fqdn in inputs.services() if s.type == "osd" and fqdn and s.id.isdigit()}


def _mon_services(inputs: ClusterInputs) -> dict:
    return {s.id: MonService(running=s.running, fqdn=fqdn, status=s.status)
            for s, fqdn in inputs.services() if s.type == "mon"}


def _config(q: QueryCache):
    return q.inputs.sync_data("config")


def _mon_inputs(q: QueryCache):
    mon_status = q.inputs.sync_data("mon_status")
    if mon_status is None:
        raise Unavailable(f"The mon status of cluster {q.inputs.fsid} has not arrived yet")
    return mon_status, q.inputs.sync_data("quorum_status"), _mon_services(q.inputs)


def _health(q: QueryCache):
    return api_health(q.inputs.sync_data("health"), q.inputs.fsid)


def _stamped(answer: dict, taken_at: float | None) -> dict:
    return {**answer, "update_time": None if taken_at is None else iso(taken_at)}


def _usage(q: QueryCache):
    stats = q.stats()
    return _stamped(api_usage(stats, q.osd_view(), q.inputs.trend_days()), stats.taken_at)


def _io(q: QueryCache):
    stats = q.stats()
    return _stamped(api_io(stats, q.osd_view(), q.inputs.sync_data("pg_summary")), stats.taken_at)


def _sync_object(q: QueryCache, sync_type: str):
    if sync_type not in SYNC_TYPES:
        raise NotFound.of("sync object type", sync_type)
    return q.inputs.sync_data(sync_type)


# Query -> handler(cache, **params): every member but DIRECTORY_QUERIES.
QUERIES = {
    Query.CLUSTER: lambda q: q.inputs.summary(),
    Query.POOLS: lambda q: q.pools(),
    Query.POOLS_PAGE: lambda q, offset, limit: q.pools_page(offset, limit),
    Query.POOL: lambda q, pool_id: q.pool_json(pool_id),
    Query.POOL_DEFAULTS: lambda q: osdv.api_pool_defaults(q.osd_view(), _config(q)),
    Query.OSDS: lambda q, pool=None, ids=None: q.osds(pool, ids),
    Query.OSDS_PAGE: lambda q, offset, limit, pool=None, ids=None: q.osds_page(offset, limit, pool, ids),
    Query.OSD: lambda q, osd_id: q.osd_json(osd_id),
    Query.OSD_IMPLEMENTED_COMMANDS: lambda q: list(osdv.OSD_COMMANDS),
    Query.OSD_COMMANDS: lambda q, osd_id: osdv.api_osd_commands(q.osd_view(), osd_id),
    Query.OSD_COMMAND: lambda q, osd_id, command: osdv.api_osd_command(q.osd_view(), osd_id, command),
    Query.OSD_CONFIG: lambda q: osdv.api_osd_config(q.osd_view()),
    Query.CRUSH_MAP: lambda q: osdv.api_crush_map(q.osd_view()),
    Query.CRUSH_NODES: lambda q: osdv.api_crush_nodes(q.osd_view()),
    Query.CRUSH_NODE: lambda q, node_id: osdv.api_crush_node(q.osd_view(), node_id),
    Query.CRUSH_RULES: lambda q: osdv.api_crush_rules(q.osd_view()),
    Query.CRUSH_RULE: lambda q, rule_id: osdv.api_crush_rule(q.osd_view(), rule_id),
    Query.CRUSH_RULE_SETS: lambda q: osdv.api_crush_rule_sets(q.osd_view()),
    Query.CRUSH_TYPES: lambda q: osdv.api_crush_types(q.osd_view()),
    Query.CRUSH_TYPE: lambda q, type_id: osdv.api_crush_type(q.osd_view(), type_id),
    Query.MONS: lambda q: api_mons(*_mon_inputs(q)),
    Query.MON: lambda q, name: api_mon(*_mon_inputs(q), name),
    Query.MON_STATUS: lambda q, name: api_mon_status(_mon_services(q.inputs), name),
    Query.CONFIG: lambda q: api_config(_config(q)),
    Query.CONFIG_KEY: lambda q, key: api_config_key(_config(q), key),
    Query.SYNC_TYPES: lambda q: list(SYNC_TYPES),
    Query.SYNC_OBJECT: _sync_object,
    Query.HEALTH: _health,
    Query.USAGE: _usage,
    Query.OSD_USAGE: lambda q, host=None, utilization_gte=None: q.osd_usage(host, utilization_gte),
    Query.OSD_USAGE_PAGE: lambda q, offset, limit, host=None, utilization_gte=None:
        q.osd_usage_page(offset, limit, host, utilization_gte),
    Query.IO: _io,
}
