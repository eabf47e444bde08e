"""Pool mon commands: create, set, set-quota, rename, delete, get, ls (Pacific semantics).

As in Ceph, creating a pool that already exists (with the same type) and deleting one that does
not succeed without doing anything; their status text is the results entry.
"""
from __future__ import annotations

from sim.ceph_json import pool_json
from sim.commands.args import bool_arg, int_arg, parse_int, str_arg, strict_iec, strict_si
from sim.commands.crush_rules import erasure_rule_steps
from sim.commands.util import (Done, changed, check_pg_num, config_bool, config_int,
                               default_min_size, output, pool_named, unchanged)
from sim.errors import CommandError, strerror
from sim.state import Pool

POOL_TYPES = {"replicated": 1, "erasure": 3}
TYPE_NAMES = {1: "replicated", 3: "erasure"}
SURE = "--yes-i-really-really-mean-it"


def _check_pg_range(cluster, pg_num: int) -> None:
    limit = config_int(cluster, "mon_max_pool_pg_num")
    if not 0 < pg_num <= limit:
        raise CommandError("ERANGE", f"'pg_num' must be greater than 0 and less than or equal "
                           f"to {limit} (you may adjust 'mon max pool pg num' for higher values)")


def _ec_profile(cluster, name: str) -> dict:
    profile = cluster.ec_profiles.get(name)
    if profile is None:     # Pacific looks the plugin up in an empty profile
        raise CommandError("EINVAL", "cannot determine the erasure code plugin because there "
                           "is no 'plugin' entry in the erasure_code_profile {}")
    return profile


def pool_create(cluster, args: dict) -> Done:
    name = str_arg(args, "pool")
    if not name:
        raise CommandError("EINVAL", strerror("EINVAL"))
    type_name = str_arg(args, "pool_type", "") or cluster.config["osd_pool_default_type"]
    if type_name not in POOL_TYPES:
        raise CommandError("EINVAL", f"unknown pool type '{type_name}'")
    existing = cluster.pool_by_name(name)
    if existing is not None:
        if existing.type != POOL_TYPES[type_name]:
            raise CommandError("EINVAL", f"pool '{name}' cannot change to type {type_name}")
        return unchanged(f"pool '{name}' already exists")
    pg_num = int_arg(args, "pg_num", 0) or config_int(cluster, "osd_pool_default_pg_num")
    _check_pg_range(cluster, pg_num)
    pgp_num = int_arg(args, "pgp_num", 0) or pg_num
    if not 0 < pgp_num <= pg_num:
        raise CommandError("ERANGE", "'pgp_num' must be greater than 0 and lower or equal than "
                           f"'pg_num', which in this case is {pg_num}")
    crush = cluster.crush
    new_rule = None
    profile_name, stripe_width = "", 0
    if type_name == "erasure":
        profile_name = str_arg(args, "erasure_code_profile", "") or "default"
        profile = _ec_profile(cluster, profile_name)
        k, m = int(profile["k"]), int(profile["m"])
        size, min_size, stripe_width = k + m, min(k + 1, k + m), k * 4096
        # Pacific names the implicit rule of the default profile "erasure-code", else the pool.
        rule_name = str_arg(args, "rule", "") or (
            "erasure-code" if profile_name == "default" else name)
        rule = crush.rule_named(rule_name)
        if rule is None:
            new_rule = (rule_name, erasure_rule_steps(cluster, profile), k + m)
        elif rule["type"] != 3:
            raise CommandError("EINVAL", f"crush rule {rule_name} is not an erasure rule")
    else:
        size = config_int(cluster, "osd_pool_default_size")
        min_size = default_min_size(cluster, size)
        rule_arg = str_arg(args, "rule", "")
        if rule_arg:
            rule = crush.rule_named(rule_arg)     # Pacific takes names only, not ids
            if rule is None:
                raise CommandError("ENOENT", f"specified rule {rule_arg} doesn't exist")
        else:
            default = config_int(cluster, "osd_pool_default_crush_rule")
            rule = crush.rules.get(default) if default >= 0 else None
            rule = rule or next((crush.rules[i] for i in sorted(crush.rules)
                                 if crush.rules[i]["type"] == 1), None)
            if rule is None:
                raise CommandError("ENOENT", "no replicated crush rule to create the pool with")
        if rule["type"] != 1:
            raise CommandError("EINVAL", f"crush rule {rule['rule_name']} is not a replicated rule")
    check_pg_num(cluster, None, pg_num, size)
    rule_id = rule["rule_id"] if new_rule is None else crush.add_rule(
        new_rule[0], 3, new_rule[1], 3, new_rule[2])
    pool = Pool(id=cluster.next_pool_id(), name=name, size=size, min_size=min_size,
                crush_rule=rule_id, pg_num=pg_num, create_time=cluster.now(),
                last_change=cluster.pending_osd_epoch, application="",
                flags=1 if config_bool(cluster, "osd_pool_default_flag_hashpspool") else 0,
                type=POOL_TYPES[type_name], pgp_num=pgp_num,
                erasure_code_profile=profile_name, stripe_width=stripe_width)
    cluster.add_pool(pool)
    return changed(f"pool '{name}' created", crush=new_rule is not None)


# ----- osd pool set ---------------------------------------------------------------------------

def _set_size(cluster, pool: Pool, val: str, sure: bool) -> bool:
    if pool.type == 3:
        raise CommandError("ENOTSUP", "can not change the size of an erasure-coded pool")
    n = parse_int(val)
    if not 0 < n <= 10:
        raise CommandError("EINVAL", "pool size must be between 1 and 10")
    if n == 1 and not config_bool(cluster, "mon_allow_pool_size_one"):
        raise CommandError("EPERM", "configuring pool size as 1 is disabled by default.")
    if n == 1 and not sure:
        raise CommandError("EPERM", "WARNING: setting pool size 1 could lead to data loss "
                           "without recovery. If you are *ABSOLUTELY CERTAIN* that is what you "
                           "want, pass the flag --yes-i-really-mean-it.")
    if n == pool.size:
        return False
    check_pg_num(cluster, pool, pool.pg_num, n)
    pool.size, pool.min_size = n, default_min_size(cluster, n)
    cluster.trim_pool_replicas(pool)
    return True


def _set_min_size(cluster, pool: Pool, val: str, sure: bool) -> bool:
    n = parse_int(val)
    low = int(cluster.ec_profiles.get(pool.erasure_code_profile, {}).get("k", 1)) \
        if pool.type == 3 else 1
    if not low <= n <= pool.size:
        raise CommandError("EINVAL", f"pool min_size must be between {low} and size, which is "
                           f"set to {pool.size}")
    changed_ = n != pool.min_size
    pool.min_size = n
    return changed_


def _set_pg_num(cluster, pool: Pool, val: str, sure: bool) -> bool:
    """Pacific only records the target (the mgr then splits PGs gradually): no "currently
    creating pgs" or split-count refusal any more. The simulator applies it at once, its new
    PGs `creating`; pgp_num follows when it equalled pg_num, as in Ceph."""
    n = parse_int(val)
    _check_pg_range(cluster, n)
    if n < pool.pg_num:
        raise CommandError("EINVAL", f"specified pg_num {n} < current {pool.pg_num} (the "
                           "simulator does not merge PGs)")
    if n == pool.pg_num:
        return False
    check_pg_num(cluster, pool, n, pool.size)
    old, pool.pg_num = pool.pg_num, n
    if pool.pgp_num == old:
        pool.pgp_num = n
    cluster.grow_pool_pgs(pool, old)
    return True


def _set_pgp_num(cluster, pool: Pool, val: str, sure: bool) -> bool:
    n = parse_int(val)
    if n <= 0:
        raise CommandError("EINVAL", f"specified pgp_num must > 0, but you set to {n}")
    if n > pool.pg_num:
        raise CommandError("EINVAL", f"specified pgp_num {n} > pg_num {pool.pg_num}")
    changed_ = n != pool.pgp_num
    pool.pgp_num = n
    return changed_


def _set_crush_rule(cluster, pool: Pool, val: str, sure: bool) -> bool:
    rule = cluster.crush.rule_named(val)    # a name: Pacific reads "0" as a name too
    if rule is None:
        raise CommandError("ENOENT", f"crush rule {val} does not exist")
    if rule["type"] != pool.type:
        raise CommandError("EINVAL", f"crush rule {val} is a {TYPE_NAMES.get(rule['type'])} "
                           f"rule, pool '{pool.name}' is {TYPE_NAMES[pool.type]}")
    changed_ = rule["rule_id"] != pool.crush_rule
    pool.crush_rule = rule["rule_id"]
    return changed_


def _set_hashpspool(cluster, pool: Pool, val: str, sure: bool) -> bool:
    if not sure:    # asked before the value is even looked at
        raise CommandError("EPERM", "are you SURE?  this will remap all placement groups in "
                           "this pool, this triggers large data movement, pass "
                           "--yes-i-really-mean-it if you really do.")
    if val not in ("true", "false", "1", "0"):
        raise CommandError("EINVAL", "expecting value 'true', 'false', '0', or '1'")
    flags = pool.flags | 1 if val in ("true", "1") else pool.flags & ~1
    changed_ = flags != pool.flags
    pool.flags = flags
    return changed_


# Pacific knows neither `crush_ruleset` (now `crush_rule`, a rule name) nor
# `crash_replay_interval`: both are "unrecognized variable".
POOL_VARS = {"size": _set_size, "min_size": _set_min_size, "pg_num": _set_pg_num,
             "pgp_num": _set_pgp_num, "crush_rule": _set_crush_rule,
             "hashpspool": _set_hashpspool}


def pool_set(cluster, args: dict) -> Done:
    pool = pool_named(cluster, str_arg(args, "pool"))
    var = str_arg(args, "var")
    val = str_arg(args, "val", "")     # a missing value reads as "" (then fails to parse)
    sure = bool_arg(args, "yes_i_really_mean_it")
    setter = POOL_VARS.get(var)
    if setter is None:
        raise CommandError("EINVAL", f"unrecognized variable '{var}'")
    status = f"set pool {pool.id} {var} to {val}"
    if not setter(cluster, pool, val, sure):
        return unchanged(status)
    pool.last_change = cluster.pending_osd_epoch
    return changed(status)


def pool_set_quota(cluster, args: dict) -> Done:
    pool = pool_named(cluster, str_arg(args, "pool"))
    field = str_arg(args, "field")
    if field not in ("max_objects", "max_bytes"):
        raise CommandError("EINVAL", f"unrecognized field '{field}'; should be 'max_bytes' "
                           "or 'max_objects'")
    text = str_arg(args, "val", "")
    try:    # bytes take binary units (1K = 1024), objects decimal ones (1K = 1000)
        value = strict_iec(text) if field == "max_bytes" else strict_si(text)
    except ValueError as exc:
        raise CommandError("EINVAL", f"error parsing value '{text}': {exc}") from None
    attr = f"quota_{field}"
    status = f"set-quota {field} = {value} for pool {pool.name}"
    if getattr(pool, attr) == value:
        return unchanged(status)
    setattr(pool, attr, value)
    pool.last_change = cluster.pending_osd_epoch
    return changed(status)


def pool_rename(cluster, args: dict) -> Done:
    src, dst = str_arg(args, "srcpool"), str_arg(args, "destpool")
    pool = cluster.pool_by_name(src)
    if pool is None:
        if cluster.pool_by_name(dst) is not None:
            return unchanged(f"pool '{src}' does not exist; pool '{dst}' does -- assuming "
                             "successful rename")
        raise CommandError("ENOENT", f"unrecognized pool '{src}'")
    if cluster.pool_by_name(dst) is not None:
        raise CommandError("EEXIST", f"pool '{dst}' already exists")
    if not dst:
        raise CommandError("EINVAL", "pool name must not be empty")
    pool.name = dst
    pool.last_change = cluster.pending_osd_epoch
    return changed(f"pool '{src}' renamed to '{dst}'")


def pool_delete(cluster, args: dict) -> Done:
    name = str_arg(args, "pool")
    pool = cluster.pool_by_name(name)
    if pool is None:
        return unchanged(f"pool '{name}' does not exist")
    # Pacific reads the booleans; the old `sure: "--yes-i-really-really-mean-it"` is ignored.
    sure = (bool_arg(args, "yes_i_really_really_mean_it")
            or bool_arg(args, "yes_i_really_really_mean_it_not_faking"))
    if str_arg(args, "pool2", "") != name or not sure:
        raise CommandError("EPERM", f"WARNING: this will *PERMANENTLY DESTROY* all data stored "
                           f"in pool {name}.  If you are *ABSOLUTELY CERTAIN* that is what you "
                           f"want, pass the pool name *twice*, followed by {SURE}.")
    if not config_bool(cluster, "mon_allow_pool_delete"):
        raise CommandError("EPERM", "pool deletion is disabled; you must first set the "
                           "mon_allow_pool_delete config option to true before you can destroy "
                           "a pool")
    cluster.remove_pool(pool.id)
    return changed(f"pool '{name}' removed")


def pool_get(cluster, args: dict) -> Done:
    pool = pool_named(cluster, str_arg(args, "pool"))
    var = str_arg(args, "var")
    values = {"size": pool.size, "min_size": pool.min_size, "pg_num": pool.pg_num,
              "pgp_num": pool.pgp_num, "crush_rule": cluster.crush.rules.get(
                  pool.crush_rule, {}).get("rule_name", pool.crush_rule),
              "hashpspool": bool(pool.flags & 1),
              "erasure_code_profile": pool.erasure_code_profile or None}
    if var not in values or values[var] is None:
        raise CommandError("EINVAL", f"unrecognized variable '{var}'")
    return output({"pool": pool.name, "pool_id": pool.id, var: values[var]})


def pool_ls(cluster, args: dict) -> Done:
    pools = [cluster.pools[i] for i in sorted(cluster.pools)]
    if str_arg(args, "detail", ""):
        return output([pool_json(p) for p in pools])
    return output([p.name for p in pools])


POOL_COMMANDS = {
    "osd pool create": pool_create, "osd pool set": pool_set,
    "osd pool set-quota": pool_set_quota, "osd pool rename": pool_rename,
    "osd pool delete": pool_delete, "osd pool rm": pool_delete,
    "osd pool get": pool_get, "osd pool ls": pool_ls,
}
