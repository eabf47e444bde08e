"""CRUSH mon commands: buckets, OSD placement and weights, rules, and `osd setcrushmap`.

As in Ceph, a few commands succeed without doing anything, their status text being the results
entry: adding a bucket whose name exists ("item x already exists"), creating a rule that exists
("rule x already exists"), removing an item or a rule that does not exist, moving an item where
it already is.
"""
from __future__ import annotations

from sim.cmd_util import (Done, changed, existing_osd, num, osd_id, output, parse_float,
                          str_arg, unchanged)
from sim.crush import fixed
from sim.crush_parse import CrushParseError, parse_crush_text
from sim.crushmap import CrushMap, loc_text
from sim.errors import CommandError


def _item(cluster, name: str) -> int:
    item = cluster._crush.item_id(name)
    if item is None:
        raise CommandError("ENOENT", f"item {name} does not exist")
    return item


def _weight(value) -> float:
    weight = parse_float(value, "weight")
    if weight < 0:
        raise CommandError("EINVAL", f"weight must be >= 0, got {num(weight)}")
    return weight


def add_bucket(cluster, args: dict) -> Done:
    crush = cluster._crush
    name, type_name = str_arg(args, "name"), str_arg(args, "type")
    if crush.item_id(name) is not None:
        return unchanged(f"item {name} already exists")
    crush.check_name(name)
    type_id = crush.type_id(type_name)
    if type_id is None:
        raise CommandError("EINVAL", f"type '{type_name}' does not exist")
    if type_id == 0:
        raise CommandError("EINVAL", f"type '{type_name}' is for devices, not buckets")
    loc = crush.parse_loc(args.get("args") or [])
    if loc:
        bucket_id = crush.add_bucket(name, type_id)
        try:
            crush.plan_insert(bucket_id, loc)
        except CommandError:
            del crush.buckets[bucket_id]
            raise
        crush.insert(bucket_id, 0, loc)
        return changed(f"added bucket {name} type {type_name} to location {loc_text(loc)}",
                       crush=True)
    crush.add_bucket(name, type_id)
    return changed(f"added bucket {name} type {type_name} to crush map", crush=True)


def move(cluster, args: dict) -> Done:
    crush = cluster._crush
    name = str_arg(args, "name")
    item = _item(cluster, name)
    loc = crush.parse_loc(args.get("args") or [])
    if not loc:
        raise CommandError("EINVAL", "missing required parameter args")
    where = f"name '{name}' to location {loc_text(loc)} in crush map"
    if crush.is_at(item, loc):
        return unchanged(f"no need to move item id {item} {where}")
    crush.plan_insert(item, loc)  # validates: raises before anything moves
    weight = crush.device_weight(item) if item >= 0 else 0
    crush.unlink(item)
    crush.insert(item, weight, loc)
    return changed(f"moved item id {item} {where}", crush=True)


def remove(cluster, args: dict) -> Done:
    crush = cluster._crush
    name = str_arg(args, "name")
    item = crush.item_id(name)
    if item is None:
        return unchanged(f"device '{name}' does not appear in the crush map")
    ancestor = None
    ancestor_name = str_arg(args, "ancestor", "")
    if ancestor_name:
        ancestor = crush.item_id(ancestor_name)
        if ancestor is None:
            raise CommandError("ENOENT", f"ancestor item '{ancestor_name}' does not appear in "
                               "the crush map")
    crush.remove(item, ancestor)
    return changed(f"removed item id {item} name '{name}' from crush map", crush=True)


def _place(cluster, args: dict, action: str) -> Done:
    """`osd crush add` links an OSD at a location (one more link if it is linked elsewhere, as
    CrushWrapper::insert_item); `osd crush set` moves a linked OSD there. Both only set the
    weight when the OSD is already at that location."""
    crush = cluster._crush
    osd = existing_osd_for_crush(cluster, args.get("id"))
    weight = _weight(args.get("weight"))
    loc = crush.parse_loc(args.get("args") or [])
    where = (f"item id {osd.id} name 'osd.{osd.id}' weight {num(weight)} at location "
             f"{loc_text(loc)}")
    known = osd.id in crush.devices
    if action == "set" and not (known and crush.parents(osd.id)):
        raise CommandError("ENOENT", f"unable to set {where}: does not exist")
    here = crush.is_at(osd.id, loc) or (not loc and known)
    if here:
        if not crush.set_device_weight(osd.id, fixed(weight)):
            return unchanged(f"set {where}: no change")
        return changed(f"set {where} to crush map", crush=True)
    crush.plan_insert(osd.id, loc)  # validates before anything changes
    if action == "set":
        crush.unlink(osd.id)
    crush.devices[osd.id] = crush.devices.get(osd.id, osd.device_class)
    crush.insert(osd.id, fixed(weight), loc)
    return changed(f"{action} {where} to crush map", crush=True)


def existing_osd_for_crush(cluster, value):
    if value is None:
        raise CommandError("EINVAL", "unable to parse osd id value ''")
    number = osd_id(value)
    if number not in cluster._osds:
        raise CommandError("ENOENT", f"osd.{number} does not exist.  Create it before updating "
                           "the crush map")
    return existing_osd(cluster, number)


def add(cluster, args: dict) -> Done:
    return _place(cluster, args, "add")


def set_(cluster, args: dict) -> Done:
    return _place(cluster, args, "set")


def reweight(cluster, args: dict) -> Done:
    crush = cluster._crush
    name = str_arg(args, "name")
    item = crush.item_id(name)
    if item is None:
        raise CommandError("ENOENT", f"device '{name}' does not appear in the crush map")
    if item < 0:
        raise CommandError("EINVAL", f"device '{name}' is not a leaf in the crush map")
    weight = _weight(args.get("weight"))
    status = f"reweighted item id {item} name '{name}' to {num(weight)} in crush map"
    if not crush.set_device_weight(item, fixed(weight)):
        return unchanged(status)
    return changed(status, crush=True)


# ----- rules ----------------------------------------------------------------------------------

def _rule_root(crush: CrushMap, root: str, device_class: str, failure_domain: str) -> dict:
    if crush.item_id(root) is None:
        raise CommandError("ENOENT", f"root item {root} does not exist")
    if failure_domain and crush.type_id(failure_domain) is None:
        raise CommandError("EINVAL", f"unknown type {failure_domain}")
    if device_class and device_class not in crush.classes():
        raise CommandError("EINVAL", f"device class {device_class} does not exist")
    return crush.take_step(root, device_class)


def rule_create_replicated(cluster, args: dict) -> Done:
    crush = cluster._crush
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
    crush = cluster._crush
    take = _rule_root(crush, profile.get("crush-root", "default"),
                      profile.get("crush-device-class", ""),
                      profile.get("crush-failure-domain", "host"))
    return [{"op": "set_chooseleaf_tries", "num": 5}, {"op": "set_choose_tries", "num": 100},
            take, {"op": "chooseleaf_indep", "num": 0,
                   "type": profile.get("crush-failure-domain", "host")}, {"op": "emit"}]


def rule_create_erasure(cluster, args: dict) -> Done:
    crush = cluster._crush
    name = str_arg(args, "name")
    if crush.rule_named(name) is not None:
        return unchanged(f"rule {name} already exists")
    crush.check_name(name)
    profile_name = str_arg(args, "profile", "") or "default"
    profile = cluster._ec_profiles.get(profile_name)
    if profile is None:
        raise CommandError("ENOENT", f"erasure code profile {profile_name} does not exist")
    steps = erasure_rule_steps(cluster, profile)
    rule_id = crush.add_rule(name, 3, steps, 3, int(profile["k"]) + int(profile["m"]))
    return changed(f"created rule {name} at {rule_id}", crush=True)


def rule_rm(cluster, args: dict) -> Done:
    crush = cluster._crush
    name = str_arg(args, "name")
    rule = crush.rule_named(name)
    if rule is None:
        return unchanged(f"rule {name} does not exist")
    if any(p.crush_rule == rule["rule_id"] for p in cluster._pools.values()):
        raise CommandError("EBUSY", f"crush rule {name} ({rule['rule_id']}) is in use")
    del crush.rules[rule["rule_id"]]
    return changed(f"removed rule {name}", crush=True)


def rule_rename(cluster, args: dict) -> Done:
    crush = cluster._crush
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
    rules = cluster._crush.rules
    return output([rules[i]["rule_name"] for i in sorted(rules)])


def rule_dump(cluster, args: dict) -> Done:
    crush = cluster._crush
    name = str_arg(args, "name", "")
    if not name:
        return output(crush.dump()["rules"])
    rule = crush.rule_named(name)
    if rule is None:
        raise CommandError("ENOENT", f"unknown crush rule '{name}'")
    return output({**rule, "steps": [dict(s) for s in rule["steps"]]})


# ----- whole maps -----------------------------------------------------------------------------

def setcrushmap(cluster, args: dict) -> Done:
    text = args.get("data")
    if not isinstance(text, str) or not text.strip():
        raise CommandError("EINVAL", "no crush map text in 'data'")
    try:
        new = parse_crush_text(text)
    except CrushParseError as exc:
        raise CommandError("EINVAL", f"failed to parse crush map: {exc}") from None
    osds, old = cluster._osds, cluster._crush
    max_osd = max(osds, default=-1) + 1
    beyond = [i for i in new.devices if i not in osds]
    if beyond:
        raise CommandError("ERANGE", f"crushmap max_devices {max(beyond) + 1} > osdmap max_osd "
                           f"{max_osd}")
    dropped = [i for i in old.devices if i in osds and i not in new.devices]
    if dropped:
        raise CommandError("EINVAL", f"the new crush map drops osd.{dropped[0]}, which still "
                           f"exists (remove it with 'osd crush remove osd.{dropped[0]}' first)")
    for pool_id in sorted(cluster._pools):
        rule = cluster._pools[pool_id].crush_rule
        if rule not in new.rules:
            raise CommandError("EINVAL", f" the crush rule no {rule} for pool id {pool_id} is in use")
    version = cluster._crush_version
    if new.dump() == old.dump():
        return unchanged(str(version))
    cluster._crush = new
    return changed(str(version + 1), crush=True)


def crush_dump(cluster, args: dict) -> Done:
    return output(cluster._crush.dump())


def osd_tree(cluster, args: dict) -> Done:
    return output(cluster._crush.tree(cluster._osds))


CRUSH_COMMANDS = {
    "osd crush add-bucket": add_bucket, "osd crush move": move, "osd crush remove": remove,
    "osd crush rm": remove, "osd crush add": add, "osd crush set": set_,
    "osd crush reweight": reweight,
    "osd crush rule create-replicated": rule_create_replicated,
    "osd crush rule create-erasure": rule_create_erasure, "osd crush rule rm": rule_rm,
    "osd crush rule rename": rule_rename, "osd crush rule ls": rule_ls,
    "osd crush rule dump": rule_dump, "osd setcrushmap": setcrushmap,
    "osd crush dump": crush_dump, "osd tree": osd_tree,
}
