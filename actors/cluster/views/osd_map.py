"""OsdMapView: the indexes and derived sets of one raw `osd_map` sync object.

The raw object (docs/sync-objects.md) is the Ceph 16 `osd dump` plus `tree`, `crush`,
`crush_map_text` and `osd_metadata`. A view is built once per map epoch and then answers many
reads, so everything is computed here, in the constructor; reads are dictionary lookups.

The raw data is never modified (the original divided CRUSH weights in place, which then got
persisted and divided again after a restart). Treat every index as read-only: its values are
the raw records themselves, shared with the sync object.

Derivations follow calamari-internals §5.6:
* the OSDs a rule could choose: its steps evaluated over the `osd tree` (counts ignored);
* the OSDs of a pool: those of its rule (Ceph 16: `crush_rule` is a rule id; older maps:
  `crush_ruleset` + size range); every OSD when the rule cannot be found;
* the pools of an OSD: the inverse;
* ancestry: one path per direct parent, each following first parents up to a root.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

FLAG_NAMES = ("pause", "noup", "nodown", "noout", "noin", "nobackfill", "norecover",
              "noscrub", "nodeep-scrub")

_CHOOSE_OPS = frozenset({"choose_firstn", "choose_indep"})
_CHOOSELEAF_OPS = frozenset({"chooseleaf_firstn", "chooseleaf_indep"})
_NO_OSDS: frozenset[int] = frozenset()


def parse_flags(flags: str | Iterable[str] | None) -> dict[str, bool]:
    """The 9 Calamari flags from the `osd dump` flags string; `pause` = pauserd and pausewr."""
    if isinstance(flags, str):
        names = {name.strip() for name in flags.split(",")}
    else:
        names = set(flags or ())
    result = {name: name in names for name in FLAG_NAMES}
    result["pause"] = "pauserd" in names and "pausewr" in names
    return result


def _index(records: Iterable[dict] | None, key: str) -> dict:
    """{record[key]: record} for the records that have the key (later duplicates win)."""
    return {record[key]: record for record in records or () if record.get(key) is not None}


class OsdMapView:
    """Read-only indexes over one raw osd_map; None or {} gives the empty view (epoch 0)."""

    def __init__(self, data: dict | None):
        data = data or {}
        self.raw = data
        self.fsid: str | None = data.get("fsid")
        self.epoch: int = data.get("epoch") or 0
        self.crush_map_text: str = data.get("crush_map_text") or ""
        self.flags = parse_flags(data.get("flags", data.get("flags_set")))

        self.osds_by_id: dict[int, dict] = _index(data.get("osds"), "osd")
        self.pools_by_id: dict[int, dict] = _index(data.get("pools"), "pool")

        tree = data.get("tree") or {}
        nodes = tree.get("nodes") or []
        self.tree_nodes_by_id: dict[int, dict] = _index(tree.get("stray"), "id")
        self.tree_nodes_by_id.update(_index(nodes, "id"))
        self._tree_ids_by_name = {node["name"]: node_id
                                  for node_id, node in self.tree_nodes_by_id.items()
                                  if "name" in node}
        self.parents_by_node_id: dict[int, list[int]] = {}
        for node in nodes:
            for child in node.get("children") or ():
                parents = self.parents_by_node_id.setdefault(child, [])
                if node["id"] not in parents:
                    parents.append(node["id"])

        crush = data.get("crush") or {}
        self.crush_rules_by_id: dict[int, dict] = _index(crush.get("rules"), "rule_id")
        self.crush_buckets_by_id: dict[int, dict] = _index(crush.get("buckets"), "id")
        # Luminous+ adds a hidden "shadow" copy of each bucket per device class ("default~hdd")
        # for rules that take a class; Ceph refuses commands naming them, so the API's CRUSH
        # nodes are the real buckets only (rule evaluation still sees the shadows above).
        self.crush_nodes_by_id: dict[int, dict] = {
            bucket_id: bucket for bucket_id, bucket in self.crush_buckets_by_id.items()
            if "~" not in str(bucket.get("name", ""))}
        self.crush_types_by_id: dict[int, dict] = _index(crush.get("types"), "type_id")

        # Ceph 16 names the OSD `id`; Calamari 1.3's agent wrote `osd`.
        self.metadata_by_id: dict[int, dict] = {osd_id: {} for osd_id in self.osds_by_id}
        for meta in data.get("osd_metadata") or ():
            osd_id = meta.get("id", meta.get("osd"))
            if osd_id is not None:
                self.metadata_by_id[osd_id] = meta

        self.osds_by_rule_id: dict[int, frozenset[int]] = {
            rule_id: self._rule_osds(rule) for rule_id, rule in self.crush_rules_by_id.items()}
        self.osds_by_pool_id: dict[int, frozenset[int]] = self._pool_osds()
        self.pools_by_osd_id: dict[int, tuple[int, ...]] = self._osd_pools()
        self._ancestry = self._all_ancestry()
        self._memo: dict = {}

    def memo(self, key: str, compute):
        """compute(), once per view (a view is one map version): for what readers derive from
        the map on every heartbeat, e.g. where each OSD lives."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # -- pools and rules ---------------------------------------------------------------------

    def rule_of_pool(self, pool: dict) -> dict | None:
        """The CRUSH rule a pool uses, or None if the map does not have it."""
        if pool.get("crush_rule") is not None:
            return self.crush_rules_by_id.get(pool["crush_rule"])
        ruleset = pool.get("crush_ruleset")
        if ruleset is None:
            return None
        size = pool.get("size") or 0
        match = None
        for rule_id in sorted(self.crush_rules_by_id):      # pre-Luminous: last match wins
            rule = self.crush_rules_by_id[rule_id]
            if (rule_ruleset(rule) == ruleset
                    and rule.get("min_size", 0) <= size <= rule.get("max_size", size)):
                match = rule
        return match

    def pool_ruleset(self, pool: dict) -> int | None:
        """The API's `crush_ruleset` of a pool: its rule's ruleset, else the raw reference."""
        rule = self.rule_of_pool(pool)
        if rule is not None:
            return rule_ruleset(rule)
        raw = pool.get("crush_rule")
        return raw if raw is not None else pool.get("crush_ruleset")

    def ancestry(self, osd_id: int) -> list[list[int]]:
        """One list per direct parent of the OSD: that parent, then first parents up to a root."""
        return [list(path) for path in self._ancestry.get(osd_id, ())]

    # -- derivations (constructor only) ------------------------------------------------------

    def _rule_osds(self, rule: dict) -> frozenset[int]:
        chosen: set[int] = set()
        working: list[int] = []
        device_class = None
        for step in rule.get("steps") or ():
            op = step.get("op")
            if op == "take":
                working, device_class = self._take(step)
            elif op in _CHOOSE_OPS:
                working = self._descendants_of_type(working, step.get("type"))
            elif op in _CHOOSELEAF_OPS:
                working = [leaf for node_id in self._descendants_of_type(working, step.get("type"))
                           for leaf in self._leaves(node_id)]
            elif op == "emit":
                chosen.update(node_id for node_id in working if node_id >= 0 and (
                    device_class is None
                    or self.tree_nodes_by_id[node_id].get("device_class") == device_class))
                working = []
        return frozenset(chosen)

    def _take(self, step: dict) -> tuple[list[int], str | None]:
        """The starting node of a take step, with the device class of a `name~class` item."""
        item = step.get("item")
        if item in self.tree_nodes_by_id:
            return [item], None
        # Device-class rules take a shadow bucket (`default~ssd`) that `osd tree` does not
        # list: start from the real bucket and keep only OSDs of that class.
        name, _, device_class = (step.get("item_name") or "").partition("~")
        node_id = self._tree_ids_by_name.get(name)
        if node_id is None:
            return [], None
        return [node_id], device_class or None

    def _children(self, node_id: int) -> list[int]:
        node = self.tree_nodes_by_id.get(node_id)
        return list(node.get("children") or ()) if node else []

    def _descendants_of_type(self, start: list[int], type_name: str | None) -> list[int]:
        """The nearest strict descendants of the start nodes whose type is type_name."""
        found: dict[int, None] = {}
        seen: set[int] = set()
        stack = [child for node_id in reversed(start)
                 for child in reversed(self._children(node_id))]
        while stack:
            node_id = stack.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            node = self.tree_nodes_by_id.get(node_id)
            if node is None:
                continue
            if node.get("type") == type_name:
                found[node_id] = None
            else:
                stack.extend(reversed(self._children(node_id)))
        return list(found)

    def _leaves(self, node_id: int) -> list[int]:
        """Every OSD at or under a node."""
        leaves: list[int] = []
        seen: set[int] = set()
        stack = [node_id]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if current >= 0:
                leaves.append(current)
            else:
                stack.extend(self._children(current))
        return leaves

    def _pool_osds(self) -> dict[int, frozenset[int]]:
        every_osd = frozenset(self.osds_by_id)
        known: dict[int | None, frozenset[int]] = {}     # rule id -> OSDs in the OSD map
        result = {}
        for pool_id, pool in self.pools_by_id.items():
            rule = self.rule_of_pool(pool)
            if rule is None:
                log.error("fsid=%s epoch=%s: no CRUSH rule for pool %s, assuming every OSD",
                          self.fsid, self.epoch, pool_id)
                result[pool_id] = every_osd
                continue
            rule_id = rule.get("rule_id")
            if rule_id not in known:
                known[rule_id] = self.osds_by_rule_id.get(rule_id, _NO_OSDS) & every_osd
            result[pool_id] = known[rule_id]
        return result

    def _osd_pools(self) -> dict[int, tuple[int, ...]]:
        # Pools sharing a rule share one frozenset: invert per distinct set, not per pool.
        pools_by_set: dict[frozenset[int], list[int]] = {}
        for pool_id, osds in self.osds_by_pool_id.items():
            pools_by_set.setdefault(osds, []).append(pool_id)
        collected: dict[int, list[int]] = {osd_id: [] for osd_id in self.osds_by_id}
        for osds, pool_ids in pools_by_set.items():
            for osd_id in osds:
                collected[osd_id].extend(pool_ids)
        return {osd_id: tuple(sorted(pool_ids)) for osd_id, pool_ids in collected.items()}

    def _all_ancestry(self) -> dict[int, tuple[tuple[int, ...], ...]]:
        chains: dict[int, tuple[int, ...]] = {}

        def chain(node_id: int) -> tuple[int, ...]:
            """node_id, then its first parent, and so on (a cycle ends the chain)."""
            if node_id not in chains:
                path = [node_id]
                seen = {node_id}
                parents = self.parents_by_node_id.get(node_id)
                while parents and parents[0] not in seen:
                    path.append(parents[0])
                    seen.add(parents[0])
                    parents = self.parents_by_node_id.get(parents[0])
                chains[node_id] = tuple(path)
            return chains[node_id]

        osd_ids = {i for i in self.tree_nodes_by_id if i >= 0} | set(self.osds_by_id)
        return {osd_id: tuple(chain(parent) for parent in self.parents_by_node_id.get(osd_id, ()))
                for osd_id in osd_ids}


def rule_ruleset(rule: dict) -> int | None:
    """A rule's ruleset; Ceph 17+ dropped the field, where it always equals the rule id."""
    ruleset = rule.get("ruleset")
    return ruleset if ruleset is not None else rule.get("rule_id")
