"""Pool resources (calamari-internals §5.2): `/pool`, `/pool/<id>` and `/pool?defaults`."""
from __future__ import annotations

from actors.errors import NotFound, Unavailable
from actors.cluster.views.osd_map import OsdMapView, rule_ruleset

POOL_TYPES = {1: "replicated", 3: "erasure"}

# Ceph 16's own defaults, used for options a config dump lacks.
_CEPH_DEFAULTS = {
    "osd_pool_default_size": "3",
    "osd_pool_default_min_size": "0",
    "osd_pool_default_flag_hashpspool": "true",
    "osd_pool_default_crush_rule": "-1",
}


def _flag(flags: int | None, bit: int) -> bool | None:
    return None if flags is None else bool(flags & bit)


def _pool(view: OsdMapView, pool: dict) -> dict:
    flags = pool.get("flags")
    pool_type = pool.get("type")
    return {
        "id": pool.get("pool"),
        "name": pool.get("pool_name"),
        "size": pool.get("size"),
        "min_size": pool.get("min_size"),
        "crush_ruleset": view.pool_ruleset(pool),
        "crash_replay_interval": pool.get("crash_replay_interval", 0),
        "pg_num": pool.get("pg_num"),
        "pgp_num": pool.get("pg_placement_num", pool.get("pgp_num")),
        "hashpspool": _flag(flags, 1),
        "full": _flag(flags, 2),
        "quota_max_objects": pool.get("quota_max_objects"),
        "quota_max_bytes": pool.get("quota_max_bytes"),
        "type": POOL_TYPES.get(pool_type, pool_type),
        "erasure_code_profile": pool.get("erasure_code_profile", ""),
    }


def api_pools(view: OsdMapView) -> list[dict]:
    """Every pool, by id."""
    return [_pool(view, view.pools_by_id[pool_id]) for pool_id in sorted(view.pools_by_id)]


def api_pool(view: OsdMapView, pool_id: int) -> dict:
    """One pool; NotFound if the map has no such id."""
    pool = view.pools_by_id.get(pool_id)
    if pool is None:
        raise NotFound.of("pool", pool_id)
    return _pool(view, pool)


def _config_int(config: dict, key: str) -> int:
    """int() of a config value (decimal only, as Ceph prints them); Ceph's default if unusable."""
    try:
        return int(config[key])
    except (KeyError, TypeError, ValueError):
        return int(_CEPH_DEFAULTS[key])


def default_ruleset(view: OsdMapView, config: dict) -> int:
    """The ruleset a new pool gets when the request names none.

    `osd_pool_default_crush_rule` if it names an existing ruleset ("-1" = unset in Ceph 16),
    else the pre-Luminous `osd_pool_default_crush_replicated_ruleset` if it does, else the lowest
    replicated ruleset (Ceph's own choice for an unset default), else the lowest ruleset.
    Raises Unavailable when the map has no rules at all.
    """
    rules = view.crush_rules_by_id.values()
    rulesets = {rule_ruleset(rule) for rule in rules} - {None}
    if not rulesets:
        raise Unavailable("No CRUSH rules exist, pool creation is impossible")
    for key in ("osd_pool_default_crush_rule", "osd_pool_default_crush_replicated_ruleset"):
        try:
            candidate = int(config[key])
        except (KeyError, TypeError, ValueError):
            continue
        if candidate in rulesets:
            return candidate
    replicated = {rule_ruleset(rule) for rule in rules if rule.get("type") == 1} - {None}
    return min(replicated or rulesets)


def api_pool_defaults(view: OsdMapView, config: dict | None) -> dict:
    """`GET /pool?defaults`: the static defaults a new pool gets, every other field null.

    min_size follows Ceph: "0" means size - size // 2, anything else is capped at size.
    """
    if config is None:
        raise Unavailable("Cluster configuration unavailable")
    ruleset = default_ruleset(view, config)
    size = _config_int(config, "osd_pool_default_size")
    min_size = _config_int(config, "osd_pool_default_min_size")
    min_size = min(min_size, size) if min_size else size - size // 2
    hashpspool = config.get("osd_pool_default_flag_hashpspool",
                            _CEPH_DEFAULTS["osd_pool_default_flag_hashpspool"])
    return {
        "id": None,
        "name": None,
        "size": size,
        "min_size": min_size,
        "crush_ruleset": ruleset,
        "crash_replay_interval": 0,
        "pg_num": None,
        "pgp_num": None,
        "hashpspool": str(hashpspool).lower() == "true",
        "full": None,
        "quota_max_objects": 0,
        "quota_max_bytes": 0,
        "type": None,
        "erasure_code_profile": None,
    }
