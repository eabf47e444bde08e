"""Pool fields, checks and attribute commands shared by pool create and update (§4.5.1, §4.6)."""
from __future__ import annotations

from actors.cluster.commands.crush_rules import MAX_RULESET
from actors.fields import INT32_MAX, UINT64_MAX, Body, Errors, boolean, integer, string
from actors.cluster.views.osd_map import OsdMapView, rule_ruleset
from actors.requests.pool_set import pool_set

MAX_SIZE = 10             # Ceph: "pool size must be between 1 and 10"
POOL_FIELDS = {
    "name": string(name=True),
    "pg_num": integer(minimum=1, maximum=INT32_MAX),
    "pgp_num": integer(minimum=1, maximum=INT32_MAX),
    "size": integer(minimum=1, maximum=MAX_SIZE),
    "min_size": integer(minimum=0, maximum=MAX_SIZE),
    "crush_ruleset": integer(minimum=0, maximum=MAX_RULESET),
    "crash_replay_interval": integer(minimum=0, maximum=INT32_MAX),
    "quota_max_objects": integer(minimum=0, maximum=UINT64_MAX),
    "quota_max_bytes": integer(minimum=0, maximum=UINT64_MAX),
    "hashpspool": boolean(),
    "type": string("replicated", "erasure"),
    "erasure_code_profile": string(blank=True, name=True),
}
PATCH_FIELDS = ("name", "pg_num", "pgp_num", "size", "min_size", "crash_replay_interval",
                "crush_ruleset", "quota_max_objects", "quota_max_bytes", "hashpspool")
# An erasure pool also refuses `size` (its size is k + m): the builders narrow `allowed`.
POOL_CREATE = Body(POOL_FIELDS, required=("name", "pg_num"))
POOL_UPDATE = Body(POOL_FIELDS, allowed=PATCH_FIELDS)

# `osd pool set` attributes, in the order they are sent; then quotas; then the rename.
# crash_replay_interval is not among them: Pacific answers "unrecognized variable" (the API keeps
# the field, whose only possible value is 0).
SET_ORDER = ("size", "min_size", "pg_num", "pgp_num", "crush_ruleset", "hashpspool")
QUOTA_FIELDS = {"quota_max_bytes": "max_bytes", "quota_max_objects": "max_objects"}

POOL_TYPE_CODES = {"replicated": 1, "erasure": 3}

_DEFAULTS = {"osd_pool_default_size": 3, "osd_pool_default_min_size": 0,
             "mon_osd_max_split_count": 32}


def config_int(config: dict | None, key: str) -> int | None:
    """int() of a config value (Ceph prints decimals); the Ceph default (or None) if unusable."""
    try:
        return int((config or {})[key])
    except (KeyError, TypeError, ValueError):
        return _DEFAULTS.get(key)


def majority_min_size(size: int, min_size: int) -> int:
    """min_size capped at size; 0 means a majority of size (size - size // 2)."""
    return min(min_size, size) if min_size else size - size // 2


def pool_by_name(view: OsdMapView, name: str) -> dict | None:
    for pool in view.pools_by_id.values():
        if pool.get("pool_name") == name:
            return pool
    return None


def rule_for_ruleset(view: OsdMapView, ruleset: int, pool_type: str) -> dict | None:
    """The rule a pool of that type gets for a ruleset: same type first, then lowest id."""
    matches = [view.crush_rules_by_id[rule_id] for rule_id in sorted(view.crush_rules_by_id)
               if rule_ruleset(view.crush_rules_by_id[rule_id]) == ruleset]
    wanted = POOL_TYPE_CODES.get(pool_type)
    matches.sort(key=lambda rule: rule.get("type") != wanted)
    return matches[0] if matches else None


def check_common(view: OsdMapView, config: dict | None, values: dict, errors: Errors,
                 pool_type: str, current_pg_num: int | None = None) -> None:
    """Ruleset existence, the pg_num limit, pgp_num <= pg_num (the resulting one) and
    crash_replay_interval 0 (the only value a Ceph 16 pool can have)."""
    if values.get("crash_replay_interval"):
        errors.add("crash_replay_interval",
                   "Ceph 16 (Pacific) pools have no crash_replay_interval; only 0 is accepted")
    if "crush_ruleset" in values and rule_for_ruleset(
            view, values["crush_ruleset"], pool_type) is None:
        errors.add("crush_ruleset", f"CRUSH ruleset {values['crush_ruleset']} not found")
    limit = config_int(config, "mon_max_pool_pg_num")
    if "pg_num" in values and limit is not None and values["pg_num"] > limit:
        errors.add("pg_num", f"requested pg_num must be <= than current limit of {limit}")
    pg_num = values.get("pg_num", current_pg_num)
    if "pgp_num" in values and pg_num is not None and values["pgp_num"] > pg_num:
        errors.add("pgp_num", f"must be <= to pg_num ({pg_num})")


def check_name(view: OsdMapView, name: str, errors: Errors, pool_id: int | None = None) -> None:
    other = pool_by_name(view, name)
    if other is not None and other.get("pool") != pool_id:
        errors.add("name", f"Pool with name {name} already exists", conflict=True)


def attribute_commands(view: OsdMapView, pool_name: str, pool_type: str,
                       attrs: dict) -> list[tuple[str, dict]]:
    """`osd pool set` per attribute (table order), quotas, then the rename.

    `crush_ruleset` is sent as Ceph 16's `crush_rule` naming the rule of that ruleset.
    """
    commands = []
    for key in SET_ORDER:
        if key not in attrs:
            continue
        var, val = key, attrs[key]
        if key == "crush_ruleset":
            var, val = "crush_rule", rule_for_ruleset(view, val, pool_type)["rule_name"]
        commands.append(pool_set(pool_name, var, val))
    for key, field in QUOTA_FIELDS.items():
        if key in attrs:
            commands.append(("osd pool set-quota",
                             {"pool": pool_name, "field": field, "val": str(attrs[key])}))
    if "name" in attrs:
        commands.append(("osd pool rename", {"srcpool": pool_name, "destpool": attrs["name"]}))
    return commands
