"""CRUSH mon commands: buckets, OSD placement and weights, and `osd setcrushmap` (rules are in
sim/commands/crush_rules.py).

As in Ceph, a few commands succeed without doing anything, their status text being the results
entry: adding a bucket whose name exists ("bucket 'x' already exists"), removing or unlinking an
item that does not exist, moving an item where it already is, renaming a bucket already renamed.
"""
from __future__ import annotations

from sim.commands.args import float_arg, int_arg, str_arg, str_list_arg
from sim.commands.crush_rules import RULE_COMMANDS
from sim.commands.util import Done, changed, existing_osd, num, output, unchanged
from sim.crush.model import fixed
from sim.crush.parse import CrushParseError, parse_crush_text
from sim.crush.text_map import VALID_NAME, loc_text
from sim.errors import CommandError, strerror


def _item(cluster, name: str) -> int:
    item = cluster.crush.item_id(name)
    if item is None:
        raise CommandError("ENOENT", f"item {name} does not exist")
    return item


def _weight(args: dict) -> float:
    weight = float_arg(args, "weight")
    if weight < 0:  # CRUSH's fixed-point conversion refuses it with this errno
        raise CommandError("EOVERFLOW", strerror("EOVERFLOW"))
    return weight


def add_bucket(cluster, args: dict) -> Done:
    crush = cluster.crush
    name, type_name = str_arg(args, "name"), str_arg(args, "type")
    if crush.item_id(name) is not None:
        return unchanged(f"bucket '{name}' already exists")
    if not VALID_NAME.fullmatch(name):
        raise CommandError("EINVAL", f"error setting bucket name to '{name}'")
    type_id = crush.type_id(type_name)
    if type_id is None:
        raise CommandError("EINVAL", f"type '{type_name}' does not exist")
    if type_id == 0:
        raise CommandError("EINVAL", f"type '{type_name}' is for devices, not buckets")
    loc = crush.parse_loc(str_list_arg(args, "args", []))
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
    crush = cluster.crush
    name = str_arg(args, "name")
    item = _item(cluster, name)
    loc = crush.parse_loc(str_list_arg(args, "args", []))
    if not loc:
        raise CommandError("EINVAL", strerror("EINVAL"))
    where = f"name '{name}' to location {loc_text(loc)} in crush map"
    if crush.is_at(item, loc):
        return unchanged(f"no need to move item id {item} {where}")
    crush.plan_insert(item, loc)  # validates: raises before anything moves
    weight = crush.device_weight(item) if item >= 0 else 0
    crush.unlink(item)
    crush.insert(item, weight, loc)
    return changed(f"moved item id {item} {where}", crush=True)


def _remove(cluster, args: dict, unlink_only: bool) -> Done:
    """`osd crush remove` (an empty bucket goes away, an OSD leaves CRUSH) and `osd crush
    unlink` (only the links go): from every parent, or from those under `ancestor`."""
    crush = cluster.crush
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
    parents = crush.parents(item)
    if ancestor is not None:
        parents = [p for p in parents if crush.subtree_contains(ancestor, p)]
        if not parents:     # Ceph answers success, changing nothing
            return unchanged(f"item {item} does not appear in that position")
    status = f"removed item id {item} name '{name}' from crush map"
    if not unlink_only:
        crush.remove(item, ancestor)
    elif parents:
        crush.unlink(item, parents)
    else:
        return unchanged(status)
    return changed(status, crush=True)


def remove(cluster, args: dict) -> Done:
    return _remove(cluster, args, unlink_only=False)


def unlink(cluster, args: dict) -> Done:
    return _remove(cluster, args, unlink_only=True)


def rename_bucket(cluster, args: dict) -> Done:
    """CrushWrapper::can_rename_bucket's checks and texts; a rename already done succeeds."""
    crush = cluster.crush
    src, dst = str_arg(args, "srcname"), str_arg(args, "dstname")
    item = crush.item_id(src)
    if item is None:
        if crush.item_id(dst) is not None:
            return unchanged(f"srcname = '{src}' does not exist and dstname = '{dst}' already "
                             "exists")
        raise CommandError("ENOENT", f"srcname = '{src}' does not exist")
    if crush.item_id(dst) is not None:
        raise CommandError("EEXIST", f"dstname = '{dst}' already exists")
    if not VALID_NAME.fullmatch(dst):
        raise CommandError("EINVAL", f"dstname = '{dst}' does not match [-_.0-9a-zA-Z]+")
    if item >= 0:
        raise CommandError("ENOTDIR", f"srcname = '{src}' is not a bucket because its id = "
                           f"{item} is >= 0")
    crush.buckets[item].name = dst
    return changed(f"renamed bucket {src} into {dst}", crush=True)


def _place(cluster, args: dict, action: str) -> Done:
    """`osd crush add` links an OSD at a location (one more link if it is linked elsewhere, as
    CrushWrapper::insert_item); `osd crush set` moves a linked OSD there. Both only set the
    weight when the OSD is already at that location."""
    crush = cluster.crush
    osd = existing_osd_for_crush(cluster, int_arg(args, "id"))
    weight = _weight(args)
    loc = crush.parse_loc(str_list_arg(args, "args", []))
    where = (f"item id {osd.id} name 'osd.{osd.id}' weight {num(weight)} at location "
             f"{loc_text(loc)}")
    known = osd.id in crush.devices     # named in the map, linked or not (an unlinked OSD)
    if action == "set" and not known:
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


def existing_osd_for_crush(cluster, number: int):
    if number not in cluster.osds:
        raise CommandError("ENOENT", f"osd.{number} does not exist. Create it before updating "
                           "the crush map")
    return existing_osd(cluster, number)


def add(cluster, args: dict) -> Done:
    return _place(cluster, args, "add")


def set_(cluster, args: dict) -> Done:
    return _place(cluster, args, "set")


def reweight(cluster, args: dict) -> Done:
    crush = cluster.crush
    name = str_arg(args, "name")
    item = crush.item_id(name)
    if item is None:
        raise CommandError("ENOENT", f"device '{name}' does not appear in the crush map")
    if item < 0:
        raise CommandError("EINVAL", f"device '{name}' is not a leaf in the crush map")
    weight = _weight(args)
    status = f"reweighted item id {item} name '{name}' to {num(weight)} in crush map"
    if not crush.set_device_weight(item, fixed(weight)):
        return unchanged(status)
    return changed(status, crush=True)


# ----- whole maps -----------------------------------------------------------------------------

def setcrushmap(cluster, args: dict) -> Done:
    text = args.get("data")
    if not isinstance(text, str) or not text.strip():
        raise CommandError("EINVAL", "no crush map text in 'data'")
    try:
        new = parse_crush_text(text)
    except CrushParseError as exc:
        raise CommandError("EINVAL", f"failed to parse crush map: {exc}") from None
    osds, old = cluster.osds, cluster.crush
    max_osd = max(osds, default=-1) + 1
    beyond = [i for i in new.devices if i not in osds]
    if beyond:
        raise CommandError("ERANGE", f"crushmap max_devices {max(beyond) + 1} > osdmap max_osd "
                           f"{max_osd}")
    dropped = [i for i in old.devices if i in osds and i not in new.devices]
    if dropped:
        raise CommandError("EINVAL", f"the new crush map drops osd.{dropped[0]}, which still "
                           f"exists (remove it with 'osd crush remove osd.{dropped[0]}' first)")
    pools = cluster.pools
    for pool_id in sorted(pools):
        rule = pools[pool_id].crush_rule
        if rule not in new.rules:
            raise CommandError("EINVAL", f" the crush rule no {rule} for pool id {pool_id} is in use")
    # Pacific commits the uploaded map even when it equals the current one.
    cluster.replace_crush(new)
    return changed(str(cluster.crush_version + 1), crush=True)


def crush_dump(cluster, args: dict) -> Done:
    return output(cluster.crush.dump())


def osd_tree(cluster, args: dict) -> Done:
    return output(cluster.crush.tree(cluster.osds))


CRUSH_COMMANDS = {
    "osd crush add-bucket": add_bucket, "osd crush move": move, "osd crush remove": remove,
    "osd crush rm": remove, "osd crush add": add, "osd crush set": set_,
    "osd crush reweight": reweight,
    "osd crush unlink": unlink, "osd crush rename-bucket": rename_bucket,
    "osd setcrushmap": setcrushmap, **RULE_COMMANDS,
    "osd crush dump": crush_dump, "osd tree": osd_tree,
}
