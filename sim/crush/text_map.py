"""The CRUSH map as mutable model state, and its two JSON views (`osd crush dump`, `osd tree`).

Buckets hold `[item id, weight]` pairs. A device's weight is stored per link (as CRUSH does);
a sub-bucket's weight is always derived (the sum of its items), so weights cannot disagree.
Devices are the OSDs CRUSH knows by name; an OSD of the OSD map that is linked under no bucket
shows up in the tree's `stray` list, as in Ceph.

Every method that changes the map validates first and then changes it, so a failing command
leaves the map untouched. Errors are `CommandError`s carrying Ceph's status text.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from sim.crush.model import REPLICATED_RULE, ROOT_ID, ROOT_NAME, TUNABLES, TYPES, fixed, host_bucket_id
from sim.errors import CommandError, strerror
from sim.state import Host, Osd

VALID_NAME = re.compile(r"[A-Za-z0-9_.-]+")
DEVICE_NAME = re.compile(r"osd\.(\d+)")
RULE_TYPES = {1: "replicated", 3: "erasure"}


@dataclass
class Bucket:
    id: int
    name: str
    type_id: int
    items: list[list[int]] = field(default_factory=list)  # [item id, weight] in position order
    alg: str = "straw2"
    hash: str = "rjenkins1"


# Shadow bucket ids: the bucket's id moved down by a stride per device class, far below any
# bucket the simulator makes (its ids count down from -1), stable whatever classes come and go.
SHADOW_ID_STRIDE = 1 << 16
KNOWN_CLASSES = ("hdd", "ssd", "nvme")


def shadow_id(bucket_id: int, device_class: str) -> int:
    index = KNOWN_CLASSES.index(device_class) if device_class in KNOWN_CLASSES else \
        len(KNOWN_CLASSES) + zlib.crc32(device_class.encode()) % 4096
    return bucket_id - SHADOW_ID_STRIDE * (index + 1)


def loc_text(loc: Mapping[str, str]) -> str:
    """A location map the way Ceph prints one: {host=node1,root=default}."""
    return "{" + ",".join(f"{k}={loc[k]}" for k in sorted(loc)) + "}"


def copy_rule(rule: dict) -> dict:
    return {**rule, "steps": [dict(step) for step in rule["steps"]]}


class CrushMap:
    def __init__(self, types: Iterable[tuple[int, str]], buckets: Iterable[Bucket],
                 devices: Mapping[int, str], rules: Iterable[dict], tunables: Mapping):
        self.types: dict[int, str] = dict(sorted(types))
        self.buckets: dict[int, Bucket] = {b.id: b for b in buckets}
        self.devices: dict[int, str] = dict(sorted(devices.items()))  # id -> class ("" = none)
        self.rules: dict[int, dict] = {r["rule_id"]: copy_rule(r) for r in rules}
        self.tunables = dict(tunables)

    # ----- construction -----------------------------------------------------------------------

    @classmethod
    def initial(cls, hosts: Sequence[Host], osds: Mapping[int, Osd]) -> "CrushMap":
        """Root `default` over one host bucket per host (ids -2, -3, ...), one replicated rule."""
        buckets = [Bucket(ROOT_ID, ROOT_NAME, 11, [[host_bucket_id(h.index), 0] for h in hosts])]
        for host in hosts:
            buckets.append(Bucket(host_bucket_id(host.index), host.hostname, 1,
                                  [[i, fixed(osds[i].crush_weight)] for i in host.osd_ids]))
        devices = {o.id: o.device_class for o in osds.values()}
        return cls(TYPES, buckets, devices, [REPLICATED_RULE], TUNABLES)

    # ----- lookups ----------------------------------------------------------------------------

    def type_id(self, name: str) -> int | None:
        for type_id, type_name in self.types.items():
            if type_name == name:
                return type_id
        return None

    def bucket_named(self, name: str) -> Bucket | None:
        for bucket in self.buckets.values():
            if bucket.name == name:
                return bucket
        return None

    def item_id(self, name: str) -> int | None:
        """The id of a device ("osd.3") or bucket known to CRUSH by that name."""
        match = DEVICE_NAME.fullmatch(name)
        if match:
            osd = int(match.group(1))
            return osd if osd in self.devices else None
        bucket = self.bucket_named(name)
        return None if bucket is None else bucket.id

    def name_of(self, item: int) -> str:
        return f"osd.{item}" if item >= 0 else self.buckets[item].name

    def parents(self, item: int) -> list[int]:
        return [b.id for b in self.buckets.values() if any(i[0] == item for i in b.items)]

    def subtree_contains(self, root: int, item: int) -> bool:
        if root == item:
            return True
        stack, seen = [root], set()
        while stack:
            current = stack.pop()
            if current in seen or current not in self.buckets:
                continue
            seen.add(current)
            for child, _ in self.buckets[current].items:
                if child == item:
                    return True
                stack.append(child)
        return False

    def rule_named(self, name: str) -> dict | None:
        return next((r for r in self.rules.values() if r["rule_name"] == name), None)

    def classes(self) -> set[str]:
        return {c for c in self.devices.values() if c}

    def bucket_in_use(self, bucket_id: int) -> bool:
        """Referenced by a rule's `take` step (CrushWrapper::_bucket_is_in_use)."""
        return any(step["op"] == "take" and step["item"] == bucket_id
                   for rule in self.rules.values() for step in rule["steps"])

    # ----- weights and views -------------------------------------------------------------------

    def bucket_weights(self) -> dict[int, int]:
        """Every bucket's weight (16.16), computed children first."""
        weights: dict[int, int] = {}
        for root in self.buckets:
            if root in weights:
                continue
            stack = [(root, False)]
            while stack:
                bucket_id, expanded = stack.pop()
                if bucket_id in weights:
                    continue
                bucket = self.buckets[bucket_id]
                children = [i for i, _ in bucket.items if i < 0 and i not in weights]
                if expanded or not children:
                    weights[bucket_id] = sum(self._item_weight(item, weights) for item in bucket.items)
                else:
                    stack.append((bucket_id, True))
                    stack.extend((c, False) for c in children if c in self.buckets)
        return weights

    @staticmethod
    def _item_weight(item: list[int], weights: Mapping[int, int]) -> int:
        return item[1] if item[0] >= 0 else weights.get(item[0], 0)

    def dump(self) -> dict:
        """`osd crush dump`: the buckets, then their device-class shadows."""
        weights = self.bucket_weights()
        buckets = []
        for bucket_id in sorted(self.buckets, reverse=True):
            b = self.buckets[bucket_id]
            buckets.append({
                "id": b.id, "name": b.name, "type_id": b.type_id,
                "type_name": self.types.get(b.type_id, str(b.type_id)), "weight": weights[b.id],
                "alg": b.alg, "hash": b.hash,
                "items": [{"id": i, "weight": self._item_weight([i, w], weights), "pos": pos}
                          for pos, (i, w) in enumerate(b.items)]})
        return {
            "devices": [{"id": i, "name": f"osd.{i}", **({"class": c} if c else {})}
                        for i, c in sorted(self.devices.items())],
            "types": [{"type_id": t, "name": n} for t, n in self.types.items()],
            "buckets": buckets + self._shadow_buckets(),
            "rules": [copy_rule(self.rules[r]) for r in sorted(self.rules)],
            "tunables": dict(self.tunables),
            "choose_args": {},
        }

    def _shadow_buckets(self) -> list[dict]:
        """Pacific's hidden copy of every bucket per device class (`default~hdd`): the same type,
        holding that class's devices and the shadows of its child buckets, weighed by them. They
        are derived (never stored), with ids of their own (shadow_id); `osd tree` and the
        daemon's CRUSH nodes leave them out."""
        found = []
        for device_class in sorted(self.classes()):
            weights: dict[int, int] = {}
            for bucket_id in self._children_first_ids():
                items = [[i, w] if i >= 0 else [shadow_id(i, device_class), weights[i]]
                         for i, w in self.buckets[bucket_id].items
                         if (i >= 0 and self.devices.get(i) == device_class) or i in self.buckets]
                weights[bucket_id] = sum(w for _, w in items)
                b = self.buckets[bucket_id]
                found.append({
                    "id": shadow_id(b.id, device_class), "name": f"{b.name}~{device_class}",
                    "type_id": b.type_id, "type_name": self.types.get(b.type_id, str(b.type_id)),
                    "weight": weights[bucket_id], "alg": b.alg, "hash": b.hash,
                    "items": [{"id": i, "weight": w, "pos": pos} for pos, (i, w) in enumerate(items)]})
        return sorted(found, key=lambda b: -b["id"])

    def _children_first_ids(self) -> list[int]:
        """Every bucket id, each after the buckets it contains."""
        order: list[int] = []
        done: set[int] = set()
        for root in sorted(self.buckets, reverse=True):
            stack = [(root, False)]
            while stack:
                bucket_id, expanded = stack.pop()
                if bucket_id in done or bucket_id not in self.buckets:
                    continue
                if expanded:
                    done.add(bucket_id)
                    order.append(bucket_id)
                    continue
                stack.append((bucket_id, True))
                stack.extend((i, False) for i, _ in self.buckets[bucket_id].items if i < 0 and i not in done)
        return order

    def tree(self, osds: Mapping[int, Osd]) -> dict:
        """`osd tree`: depth-first from each root (highest id first), children listed in reverse
        item order as Ceph prints them; existing OSDs linked nowhere are `stray`."""
        linked = {i for b in self.buckets.values() for i, _ in b.items}
        roots = sorted((b for b in self.buckets if b not in linked), reverse=True)
        nodes: list[dict] = []
        seen_osds: set[int] = set()
        stack: list[tuple[list[int], int]] = [([r, 0], 0) for r in reversed(roots)]
        while stack:
            (item, weight), depth = stack.pop()
            if item >= 0:
                seen_osds.add(item)
                nodes.append(self._osd_node(item, weight, depth, osds))
                continue
            bucket = self.buckets[item]
            node = {"id": item, "name": bucket.name, "type": self.types.get(bucket.type_id, ""),
                    "type_id": bucket.type_id}
            if depth:
                node["pool_weights"] = {}
            node["children"] = [i for i, _ in reversed(bucket.items)]
            nodes.append(node)
            if depth < 64:  # a loop cannot be built through the commands; stay safe anyway
                stack.extend((child, depth + 1) for child in reversed(bucket.items))
        stray = [self._osd_node(i, 0, 0, osds, stray=True) for i in sorted(osds)
                 if i not in seen_osds]
        return {"nodes": nodes, "stray": stray}

    def _osd_node(self, osd_id: int, weight: int, depth: int, osds: Mapping[int, Osd],
                  stray: bool = False) -> dict:
        """A device of the tree; a stray one (linked nowhere) has no `pool_weights`."""
        osd = osds.get(osd_id)
        node = {"id": osd_id}
        if self.devices.get(osd_id):
            node["device_class"] = self.devices[osd_id]
        node.update({"name": f"osd.{osd_id}", "type": "osd", "type_id": 0,
                     "crush_weight": weight / 0x10000, "depth": depth,
                     **({} if stray else {"pool_weights": {}}),
                     "exists": int(osd is not None),
                     "status": "up" if osd is not None and osd.up else "down",
                     "reweight": osd.reweight if osd is not None and osd.in_ else 0.0,
                     "primary_affinity": 1.0})
        return node

    def location(self, item: int) -> dict[str, str]:
        """{type name: bucket name} of the first chain of parents of an item."""
        loc = {}
        parents = self.parents(item)
        while parents and len(loc) < 32:
            bucket = self.buckets[parents[0]]
            loc[self.types.get(bucket.type_id, str(bucket.type_id))] = bucket.name
            parents = self.parents(bucket.id)
        return loc

    # ----- changes ----------------------------------------------------------------------------

    def check_name(self, name: str) -> None:
        if not VALID_NAME.fullmatch(name or ""):
            raise CommandError("EINVAL", f"'{name}' does not look like a valid name")

    def add_bucket(self, name: str, type_id: int) -> int:
        bucket_id = min(self.buckets, default=0) - 1
        self.buckets[bucket_id] = Bucket(bucket_id, name, type_id)
        return bucket_id

    def unlink(self, item: int, parents: Iterable[int] | None = None) -> None:
        """Remove every link to `item` (or only those from `parents`)."""
        targets = self.parents(item) if parents is None else list(parents)
        for parent in targets:
            bucket = self.buckets[parent]
            bucket.items = [i for i in bucket.items if i[0] != item]

    def parse_loc(self, args) -> dict[str, str]:
        """["host=a", "root=default"] -> {"host": "a", "root": "default"}; types must exist."""
        if isinstance(args, str):
            args = [args]
        loc = {}
        for arg in args or []:
            key, sep, value = str(arg).partition("=")
            if not sep or not value:
                raise CommandError("EINVAL", f"invalid location '{arg}': expected <type>=<name>")
            if self.type_id(key) is None:
                raise CommandError("EINVAL", f"invalid location '{arg}': unknown type '{key}'")
            self.check_name(value)
            loc[key] = value
        return loc

    def is_at(self, item: int, loc: Mapping[str, str]) -> bool:
        """CrushWrapper::check_item_loc: is the item directly under the lowest-type bucket named
        in `loc`?"""
        for type_id, type_name in self.types.items():
            if type_name in loc and type_id > 0:
                bucket = self.bucket_named(loc[type_name])
                return bucket is not None and any(i[0] == item for i in bucket.items)
        return False

    def plan_insert(self, item: int, loc: Mapping[str, str]) -> tuple[list[tuple[int, str]], int | None]:
        """Where CrushWrapper::insert_item would put `item`: ([(type id, name) of buckets to
        create, lowest first], the existing bucket the chain ends in or None). Raises on a type
        mismatch or a loop; changes nothing."""
        create: list[tuple[int, str]] = []
        for type_id, type_name in self.types.items():
            if type_id == 0 or type_name not in loc:
                continue
            name = loc[type_name]
            existing = self.item_id(name)
            if existing is None:
                create.append((type_id, name))
                continue
            if existing >= 0:
                raise CommandError("EINVAL", f"location {type_name}={name} names a device")
            bucket = self.buckets[existing]
            if bucket.type_id != type_id:   # insert_item's -EINVAL reaches the user bare
                raise CommandError("EINVAL", strerror("EINVAL"))
            if item < 0 and self.subtree_contains(item, existing):
                raise CommandError("EINVAL", f"cannot place '{self.name_of(item)}' under "
                                   f"'{name}': it would create a loop")
            return create, existing
        return create, None

    def insert(self, item: int, weight: int, loc: Mapping[str, str]) -> None:
        create, parent = self.plan_insert(item, loc)
        current, current_weight = item, weight
        for type_id, name in create:
            new_id = self.add_bucket(name, type_id)
            self.buckets[new_id].items.append([current, current_weight])
            current, current_weight = new_id, 0
        if parent is not None:
            self.buckets[parent].items.append([current, current_weight])

    def device_weight(self, osd_id: int) -> int:
        for bucket in self.buckets.values():
            for item in bucket.items:
                if item[0] == osd_id:
                    return item[1]
        return 0

    def set_device_weight(self, osd_id: int, weight: int) -> bool:
        changed = False
        for bucket in self.buckets.values():
            for item in bucket.items:
                if item[0] == osd_id and item[1] != weight:
                    item[1], changed = weight, True
        return changed

    def remove(self, item: int, ancestor: int | None = None) -> None:
        """`osd crush remove`: a bucket must be empty and not used by a rule; a device loses its
        links (all, or those under `ancestor`) and, without an ancestor, its name."""
        if item < 0:
            if self.buckets[item].items:
                raise CommandError("ENOTEMPTY", strerror("ENOTEMPTY"))
            if self.bucket_in_use(item):
                raise CommandError("EBUSY", strerror("EBUSY"))
        parents = self.parents(item)
        if ancestor is not None:
            parents = [p for p in parents if self.subtree_contains(ancestor, p)]
            if not parents:
                raise CommandError("ENOENT", f"item {item} does not appear in the crush map")
        self.unlink(item, parents)
        if item < 0 and not self.parents(item):
            del self.buckets[item]
        elif item >= 0 and ancestor is None:
            self.devices.pop(item, None)

    def add_rule(self, name: str, rule_type: int, steps: list[dict], min_size: int,
                 max_size: int) -> int:
        rule_id = next(i for i in range(len(self.rules) + 1) if i not in self.rules)
        self.rules[rule_id] = {"rule_id": rule_id, "rule_name": name, "ruleset": rule_id,
                               "type": rule_type, "min_size": min_size, "max_size": max_size,
                               "steps": steps}
        return rule_id

    def take_step(self, root: str, device_class: str = "") -> dict:
        item = self.item_id(root)
        name = f"{root}~{device_class}" if device_class else root
        return {"op": "take", "item": item, "item_name": name}
