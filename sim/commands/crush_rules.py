"""CRUSH rule mon commands: create (replicated, erasure), remove, rename, list, dump.

As in Ceph, creating a rule that exists and removing one that does not succeed without doing
anything, their status text being the results entry.
"""
from __future__ import annotations

from sim.commands.args import str_arg
from sim.commands.util import Done, changed, output, unchanged
from sim.crush.text_map import CrushMap
from sim.errors import CommandError


def _rule_root(crush: CrushMap, root: str, device_class: str, failure_domain: str) -> dict:
    if crush.item_id(root) is None:
        raise CommandError("ENOENT", f"root item {root} does not exist")
    if failure_domain and crush.type_id(failure_domain) is None:
        raise CommandError("EINVAL", f"unknown type {failure_domain}")
    if device_class and device_class not in crush.classes():
        raise CommandError("EINVAL", f"device class {device_class} does not exist")
    return crush.take_step(root, device_class)


def rule_create_replicated(cluster, args: dict) -> Done:
    crush = cluster.crush
    name = str_arg(args, "name")
    if crush.rule_named(name) is not None:
        return unchanged(f"rule {name} already exists")
    crush.check_name(name)
    failure_domain = str_arg(args, "type", "") or "host"
    take = _rule_root(crush, str_arg(args, "root"), str_arg(args, "class", ""), failure_domain)
    steps = [take, {"op": "chooseleaf_firstn", "num": 0, "type": failure_domain}, {"op": "emit"}]
    rule_id = crush.add_rule(name, 1, steps, 1, 10)
    return changed(f"created rule {name} at {rule_id}", crush=True)


def erasure_rule_steps(cluster, profile: dict) -> list[dict]:
    crush = cluster.crush
    take = _rule_root(crush, profile.get("crush-root", "default"),
                      profile.get("crush-device-class", ""),
                      profile.get("crush-failure-domain", "host"))
    return [{"op": "set_chooseleaf_tries", "num": 5}, {"op": "set_choose_tries", "num": 100},
            take, {"op": "chooseleaf_indep", "num": 0,
                   "type": profile.get("crush-failure-domain", "host")}, {"op": "emit"}]


def rule_create_erasure(cluster, args: dict) -> Done:
    crush = cluster.crush
    name = str_arg(args, "name")
    if crush.rule_named(name) is not None:
        return unchanged(f"rule {name} already exists")
    crush.check_name(name)
    profile_name = str_arg(args, "profile", "") or "default"
    profile = cluster.ec_profiles.get(profile_name)
    if profile is None:
        raise CommandError("ENOENT", f"erasure code profile {profile_name} does not exist")
    steps = erasure_rule_steps(cluster, profile)
    rule_id = crush.add_rule(name, 3, steps, 3, int(profile["k"]) + int(profile["m"]))
    return changed(f"created rule {name} at {rule_id}", crush=True)


def rule_rm(cluster, args: dict) -> Done:
    crush = cluster.crush
    name = str_arg(args, "name")
    rule = crush.rule_named(name)
    if rule is None:
        return unchanged(f"rule {name} does not exist")
    if any(p.crush_rule == rule["rule_id"] for p in cluster.pools.values()):
        raise CommandError("EBUSY", f"crush ruleset {name} {rule['rule_id']} is in use")
    del crush.rules[rule["rule_id"]]
    return changed(f"removed rule {name}", crush=True)


def rule_rename(cluster, args: dict) -> Done:
    crush = cluster.crush
    src, dst = str_arg(args, "srcname"), str_arg(args, "dstname")
    rule = crush.rule_named(src)
    if rule is None and crush.rule_named(dst) is not None:
        return unchanged(f"already renamed to '{dst}'")
    if rule is None:
        raise CommandError("ENOENT", f"source rule name '{src}' does not exist")
    if crush.rule_named(dst) is not None:
        raise CommandError("EEXIST", f"destination rule name '{dst}' already exists")
    crush.check_name(dst)
    rule["rule_name"] = dst
    return changed(f"renamed rule {src} to {dst}", crush=True)


def rule_ls(cluster, args: dict) -> Done:
    rules = cluster.crush.rules
    return output([rules[i]["rule_name"] for i in sorted(rules)])


def rule_dump(cluster, args: dict) -> Done:
    crush = cluster.crush
    name = str_arg(args, "name", "")
    if not name:
        return output(crush.dump()["rules"])
    rule = crush.rule_named(name)
    if rule is None:
        raise CommandError("ENOENT", f"unknown crush rule '{name}'")
    return output({**rule, "steps": [dict(s) for s in rule["steps"]]})


RULE_COMMANDS = {
    "osd crush rule create-replicated": rule_create_replicated,
    "osd crush rule create-erasure": rule_create_erasure, "osd crush rule rm": rule_rm,
    "osd crush rule rename": rule_rename, "osd crush rule ls": rule_ls,
    "osd crush rule dump": rule_dump,
}
