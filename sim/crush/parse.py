"""A parser for crushtool's decompiled CRUSH map text (what `osd setcrushmap` carries).

    parse_crush_text(text) -> CrushMap      (raises CrushParseError: "line N: what is wrong")

Understood: `tunable <name> <int>`; `device <id> osd.<id> [class <c>]`; `type <id> <name>`;
buckets `<type> <name> { id <n> [class <c>]; weight <w>; alg <a>; hash <0|rjenkins1>;
item <name> [weight <w>] [pos <n>] }` (an `id ... class ...` line names a shadow bucket and is
skipped; a bucket's own `weight` is ignored because bucket weights are always derived from
their items); rules `rule <name> { id <n>; ruleset <n>; type replicated|erasure; min_size <n>;
max_size <n>; step ... }` with steps `take <name> [class <c>]`, `choose|chooseleaf firstn|indep
<n> type <type>`, `emit` and `set_<tunable> <n>`. `#` starts a comment. As with crushtool,
an item must be defined before a bucket uses it. `choose_args` sections are refused.
"""
from __future__ import annotations

import re

from sim.crush.model import TEXT_TUNABLES, TUNABLES, fixed
from sim.crush.text_map import Bucket, CrushMap

ALGS = ("uniform", "list", "tree", "straw", "straw2")
SET_STEPS = ("set_choose_tries", "set_chooseleaf_tries", "set_choose_local_tries",
             "set_choose_local_fallback_tries", "set_chooseleaf_vary_r", "set_chooseleaf_stable")
RULE_TYPES = {"replicated": 1, "erasure": 3}
TOKEN = re.compile(r"[{}]|[^\s{}]+")


class CrushParseError(ValueError):
    pass


class _Tokens:
    def __init__(self, text: str):
        self.items: list[tuple[str, int]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0]
            self.items += [(token, number) for token in TOKEN.findall(line)]
        self.pos = 0
        self.last = 0  # index of the token read last: errors name its line

    def error(self, message: str) -> CrushParseError:
        line = self.items[self.last][1] if self.items else 1
        return CrushParseError(f"line {line}: {message}")

    def peek(self) -> str | None:
        return self.items[self.pos][0] if self.pos < len(self.items) else None

    def next(self, what: str = "a token") -> str:
        if self.pos >= len(self.items):
            raise self.error(f"unexpected end of map, expected {what}")
        self.last = self.pos
        self.pos += 1
        return self.items[self.last][0]

    def expect(self, token: str) -> None:
        got = self.next(repr(token))
        if got != token:
            raise self.error(f"expected {token!r}, got {got!r}")

    def integer(self, what: str) -> int:
        token = self.next(what)
        if not re.fullmatch(r"-?\d+", token):
            raise self.error(f"expected an integer {what}, got {token!r}")
        return int(token)

    def weight(self) -> int:
        token = self.next("a weight")
        try:
            value = float(token)
        except ValueError:
            value = -1.0
        if not value >= 0:
            raise self.error(f"invalid weight {token!r}")
        return fixed(value)


def parse_crush_text(text: str) -> CrushMap:
    parser = _Parser(_Tokens(text))
    return parser.parse()


class _Parser:
    def __init__(self, tokens: _Tokens):
        self.t = tokens
        self.tunables = dict(TUNABLES)
        self.devices: dict[int, str] = {}
        self.types: dict[int, str] = {}
        self.buckets: list[Bucket] = []
        self.names: dict[str, int | None] = {}  # device and bucket names -> id (None: not yet)
        self.rules: list[dict] = []

    def parse(self) -> CrushMap:
        while self.t.peek() is not None:
            keyword = self.t.next()
            if keyword == "tunable":
                self._tunable()
            elif keyword == "device":
                self._device()
            elif keyword == "type":
                self._type()
            elif keyword == "rule":
                self._rule()
            elif keyword == "choose_args":
                raise self.t.error("choose_args sections are not supported")
            elif keyword in self.types.values():
                self._bucket(keyword)
            else:
                raise self.t.error(f"unknown keyword or bucket type {keyword!r}")
        self._assign_ids()
        if any(self.tunables[k] != TUNABLES[k] for k in TEXT_TUNABLES):
            self.tunables.update(profile="unknown", optimal_tunables=0)
        return CrushMap(self.types.items(), self.buckets, self.devices, self.rules, self.tunables)

    def _new_name(self, name: str) -> None:
        if name in self.names:
            raise self.t.error(f"name {name!r} is defined twice")

    def _tunable(self) -> None:
        name = self.t.next("a tunable name")
        if name not in TEXT_TUNABLES:
            raise self.t.error(f"unknown tunable {name!r}")
        self.tunables[name] = self.t.integer("tunable value")

    def _device(self) -> None:
        device_id = self.t.integer("device id")
        name = self.t.next("a device name")
        if device_id < 0 or device_id in self.devices:
            raise self.t.error(f"invalid or duplicate device id {device_id}")
        if name != f"osd.{device_id}":
            raise self.t.error(f"device {device_id} must be named osd.{device_id}, not {name!r}")
        self._new_name(name)
        device_class = ""
        if self.t.peek() == "class":
            self.t.next()
            device_class = self.t.next("a device class")
        self.devices[device_id] = device_class
        self.names[name] = device_id

    def _type(self) -> None:
        type_id = self.t.integer("type id")
        name = self.t.next("a type name")
        if type_id < 0 or type_id in self.types or name in self.types.values():
            raise self.t.error(f"type {type_id} {name!r} is defined twice or invalid")
        self.types[type_id] = name

    def _bucket(self, type_name: str) -> None:
        type_id = next(i for i, n in self.types.items() if n == type_name)
        name = self.t.next("a bucket name")
        self._new_name(name)
        self.t.expect("{")
        bucket = Bucket(0, name, type_id)
        bucket_id = None
        while (keyword := self.t.next("a bucket field or '}'")) != "}":
            if keyword == "id":
                value = self.t.integer("bucket id")
                if self.t.peek() == "class":  # the id of a shadow bucket: derived, skipped
                    self.t.next()
                    self.t.next("a device class")
                    continue
                if value >= 0 or value in {b.id for b in self.buckets}:
                    raise self.t.error(f"invalid or duplicate bucket id {value}")
                bucket_id = value
            elif keyword == "weight":
                self.t.weight()
            elif keyword == "alg":
                bucket.alg = self.t.next("an algorithm")
                if bucket.alg not in ALGS:
                    raise self.t.error(f"unknown bucket algorithm {bucket.alg!r}")
            elif keyword == "hash":
                value = self.t.next("a hash")
                if value not in ("0", "rjenkins1"):
                    raise self.t.error(f"unknown hash {value!r}")
            elif keyword == "item":
                bucket.items.append(self._item(name))
            else:
                raise self.t.error(f"unknown bucket field {keyword!r}")
        bucket.id = bucket_id if bucket_id is not None else 0  # 0: assigned at the end
        self.buckets.append(bucket)
        self.names[name] = bucket.id or None

    def _item(self, bucket_name: str) -> list[int]:
        name = self.t.next("an item name")
        if name not in self.names:
            raise self.t.error(f"item {name!r} in bucket {bucket_name!r} is not defined")
        item = self.names[name]
        if item is None:  # a bucket defined without an id: refer to it by its object for now
            item = -(10**9) - next(i for i, b in enumerate(self.buckets) if b.name == name)
        weight = 0x10000
        while self.t.peek() in ("weight", "pos"):
            if self.t.next() == "weight":
                weight = self.t.weight()
            else:
                self.t.integer("item position")
        return [item, weight if item >= 0 else 0]

    def _assign_ids(self) -> None:
        """Buckets without an `id` get the next free ids below the lowest one, as crushtool."""
        placeholders = {}
        lowest = min((b.id for b in self.buckets), default=0)
        for index, bucket in enumerate(self.buckets):
            if bucket.id == 0:
                lowest -= 1
                bucket.id = lowest
                placeholders[-(10**9) - index] = lowest
        for bucket in self.buckets:
            bucket.items = [[placeholders.get(i, i), w] for i, w in bucket.items]
        ids = {b.name: b.id for b in self.buckets}
        for rule in self.rules:
            for step in rule["steps"]:
                if step["op"] == "take" and step["item"] is None:
                    step["item"] = ids[step["item_name"].split("~")[0]]
        used = {r["rule_id"] for r in self.rules if r["rule_id"] is not None}
        for rule in self.rules:
            if rule["rule_id"] is None:
                rule["rule_id"] = rule["ruleset"] = next(i for i in range(len(self.rules) + 1)
                                                         if i not in used)
                used.add(rule["rule_id"])

    def _rule(self) -> None:
        name = self.t.next("a rule name")
        if any(r["rule_name"] == name for r in self.rules):
            raise self.t.error(f"rule {name!r} is defined twice")
        self.t.expect("{")
        fields: dict[str, int] = {}
        steps: list[dict] = []
        rule_type = None
        while (keyword := self.t.next("a rule field or '}'")) != "}":
            if keyword in ("id", "ruleset", "min_size", "max_size"):
                fields[keyword] = self.t.integer(keyword)
            elif keyword == "type":
                value = self.t.next("a rule type")
                if value not in RULE_TYPES:
                    raise self.t.error(f"unknown rule type {value!r}")
                rule_type = RULE_TYPES[value]
            elif keyword == "step":
                steps.append(self._step())
            else:
                raise self.t.error(f"unknown rule field {keyword!r}")
        if rule_type is None:
            raise self.t.error(f"rule {name!r} has no type")
        if "id" in fields and "ruleset" in fields and fields["id"] != fields["ruleset"]:
            raise self.t.error(f"rule {name!r}: id {fields['id']} != ruleset {fields['ruleset']}")
        rule_id = fields.get("id", fields.get("ruleset"))
        if rule_id is not None and (rule_id < 0 or any(r["rule_id"] == rule_id for r in self.rules)):
            raise self.t.error(f"invalid or duplicate rule id {rule_id}")
        self.rules.append({"rule_id": rule_id, "rule_name": name, "ruleset": rule_id,
                           "type": rule_type, "min_size": fields.get("min_size", 1),
                           "max_size": fields.get("max_size", 10), "steps": steps})

    def _step(self) -> dict:
        op = self.t.next("a step")
        if op == "take":
            name = self.t.next("an item name")
            if name not in self.names:
                raise self.t.error(f"take: item {name!r} is not defined")
            item_name = name
            if self.t.peek() == "class":
                self.t.next()
                item_name = f"{name}~{self.t.next('a device class')}"
            return {"op": "take", "item": self.names[name], "item_name": item_name}
        if op == "emit":
            return {"op": "emit"}
        if op in ("choose", "chooseleaf"):
            mode = self.t.next("firstn or indep")
            if mode not in ("firstn", "indep"):
                raise self.t.error(f"expected firstn or indep, got {mode!r}")
            num = self.t.integer("replica count")
            self.t.expect("type")
            type_name = self.t.next("a type name")
            if type_name not in self.types.values():
                raise self.t.error(f"unknown type {type_name!r}")
            return {"op": f"{op}_{mode}", "num": num, "type": type_name}
        if op in SET_STEPS:
            return {"op": op, "num": self.t.integer(op)}
        raise self.t.error(f"unknown step {op!r}")
