"""CRUSH constants and the decompiled text map.

The model's CRUSH state is sim.crush.text_map.CrushMap; its dump is decompiled here (never from the
state), so the dump and the text cannot disagree. Weights: 16.16 fixed point in the dump and
text buckets, floats (TiB) in the tree. sim.crush.parse reads the text back.
"""
from __future__ import annotations

ROOT_ID = -1
ROOT_NAME = "default"

TYPES = ((0, "osd"), (1, "host"), (2, "chassis"), (3, "rack"), (4, "row"), (5, "pdu"),
         (6, "pod"), (7, "room"), (8, "datacenter"), (9, "zone"), (10, "region"), (11, "root"))

# Pacific's optimal ("jewel") tunables, as `osd crush dump` prints them.
TUNABLES = {
    "choose_local_tries": 0, "choose_local_fallback_tries": 0, "choose_total_tries": 50,
    "chooseleaf_descend_once": 1, "chooseleaf_vary_r": 1, "chooseleaf_stable": 1,
    "straw_calc_version": 1, "allowed_bucket_algs": 54, "profile": "jewel",
    "optimal_tunables": 1, "legacy_tunables": 0, "minimum_required_version": "jewel",
    "require_feature_tunables": 1, "require_feature_tunables2": 1, "has_v2_rules": 0,
    "require_feature_tunables3": 1, "has_v3_rules": 0, "has_v4_buckets": 1,
    "require_feature_tunables5": 1, "has_v5_rules": 0,
}
# The tunables the text map spells out, in crushtool's order.
TEXT_TUNABLES = ("choose_local_tries", "choose_local_fallback_tries", "choose_total_tries",
                 "chooseleaf_descend_once", "chooseleaf_vary_r", "chooseleaf_stable",
                 "straw_calc_version", "allowed_bucket_algs")

REPLICATED_RULE = {
    "rule_id": 0, "rule_name": "replicated_rule", "ruleset": 0, "type": 1,
    "min_size": 1, "max_size": 10,
    "steps": [{"op": "take", "item": ROOT_ID, "item_name": ROOT_NAME},
              {"op": "chooseleaf_firstn", "num": 0, "type": "host"},
              {"op": "emit"}],
}


def fixed(weight: float) -> int:
    """A float weight as CRUSH's 16.16 fixed point (1.0 -> 0x10000)."""
    return int(round(weight * 0x10000))


def host_bucket_id(host_index: int) -> int:
    return -2 - host_index


def crush_text(crush: dict) -> str:
    """Decompile a crush dump into crushtool's text form."""
    out = ["# begin crush map"]
    out += [f"tunable {name} {crush['tunables'][name]}" for name in TEXT_TUNABLES]
    out += ["", "# devices"]
    out += [f"device {d['id']} {d['name']}" + (f" class {d['class']}" if d.get("class") else "")
            for d in crush["devices"]]
    out += ["", "# types"]
    out += [f"type {t['type_id']} {t['name']}" for t in crush["types"]]
    out += ["", "# buckets"]
    names = {d["id"]: d["name"] for d in crush["devices"]}
    names.update({b["id"]: b["name"] for b in crush["buckets"]})
    shadows: dict[str, list[tuple[str, int]]] = {}      # bucket name -> [(class, shadow id)]
    for bucket in crush["buckets"]:
        if "~" in bucket["name"]:
            base, device_class = bucket["name"].split("~", 1)
            shadows.setdefault(base, []).append((device_class, bucket["id"]))
    for bucket in _children_first([b for b in crush["buckets"] if "~" not in b["name"]]):
        out.append(f"{bucket['type_name']} {bucket['name']} {{")
        out.append(f"\tid {bucket['id']}\t\t# do not change unnecessarily")
        out += [f"\tid {shadow} class {device_class}\t\t# do not change unnecessarily"
                for device_class, shadow in sorted(shadows.get(bucket["name"], []))]
        out.append(f"\t# weight {bucket['weight'] / 0x10000:.5f}")
        out.append(f"\talg {bucket['alg']}")
        out.append(f"\thash 0\t# {bucket['hash']}")
        for item in bucket["items"]:
            name = names.get(item["id"], f"osd.{item['id']}")
            out.append(f"\titem {name} weight {item['weight'] / 0x10000:.5f}")
        out.append("}")
    out += ["", "# rules"]
    for rule in crush["rules"]:
        out.append(f"rule {rule['rule_name']} {{")
        out.append(f"\tid {rule['rule_id']}")
        out.append("\ttype " + {1: "replicated", 3: "erasure"}.get(rule["type"], str(rule["type"])))
        out.append(f"\tmin_size {rule['min_size']}")
        out.append(f"\tmax_size {rule['max_size']}")
        out += [f"\tstep {_step_text(step)}" for step in rule["steps"]]
        out.append("}")
    out += ["", "# end crush map", ""]
    return "\n".join(out)


def _children_first(buckets: list[dict]) -> list[dict]:
    """Buckets ordered so that every bucket follows the buckets it contains (crushtool needs
    an item defined before it is used)."""
    by_id = {b["id"]: b for b in buckets}
    done: set[int] = set()
    ordered: list[dict] = []

    def visit(bucket: dict) -> None:
        stack = [(bucket, iter(bucket["items"]))]
        done.add(bucket["id"])
        while stack:
            current, items = stack[-1]
            for item in items:
                child = by_id.get(item["id"])
                if child is not None and child["id"] not in done:
                    done.add(child["id"])
                    stack.append((child, iter(child["items"])))
                    break
            else:
                stack.pop()
                ordered.append(current)

    for bucket in sorted(buckets, key=lambda b: -b["id"]):
        if bucket["id"] not in done:
            visit(bucket)
    return ordered


def _step_text(step: dict) -> str:
    op = step["op"]
    if op == "take":
        name = step["item_name"]
        if "~" in name:  # shadow bucket of a device class
            base, device_class = name.split("~", 1)
            return f"take {base} class {device_class}"
        return f"take {name}"
    for prefix in ("chooseleaf_", "choose_"):
        if op.startswith(prefix):
            mode = op[len(prefix):]
            return f"{prefix.rstrip('_')} {mode} {step['num']} type {step['type']}"
    if op == "emit":
        return "emit"
    if op.startswith("set_"):
        return f"{op} {step.get('num', 0)}"
    return op
